using System.Buffers;
using System.Buffers.Text;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// The host side of the byte adapters: string-based twins of the byte-carrying host functions, whose values
/// cross as base64 (padded, RFC 4648) UTF-8 strings. Values are decoded and encoded with
/// <see cref="Base64"/> straight on the native UTF-8 bytes Wasmtime hands over or takes back; no .NET string
/// is made for a value. Only composed components import these interfaces (<see cref="ImportPolicy"/> refuses
/// them to plugins), so the caller is always the supervisor's own adapter. The clientdata twins live here; the
/// bucket twins live with <see cref="KeyValueHost"/> and <see cref="DbHost"/>, which own their resource types.
/// </summary>
internal static unsafe class AdapterHost
{
    /// <summary>Defines the functions of the adapter host interface <paramref name="name"/>.</summary>
    public static void Define(string name, LinkerInstance li, SupervisorHost host, ComponentItemInfo import)
    {
        switch (name)
        {
            case ByteAdapter.ClientDataHost:
                li.AddFunction("get-enc", HostInterfaces.Guard(GetEncoded));
                li.AddFunction("set-enc", HostInterfaces.Guard(SetEncoded));
                break;
            case ByteAdapter.KeyValueDraftHost:
                host.KeyValueDraft.DefineAdapter(import, li);
                break;
            case ByteAdapter.KeyValueDraft2Host:
                host.KeyValueDraft2.DefineAdapter(import, li);
                break;
            case ByteAdapter.DbHost:
            case ByteAdapter.CommonStoreHost:
                host.Db.DefineAdapter(li);
                break;
            default:
                throw new InvalidOperationException($"adapter interface {name} is not implemented");
        }
        li.AddFunction("fail", HostInterfaces.Guard(Fail));
    }

    private static Bucket ClientDataBucket(in HostCall call)
    {
        var (instance, context) = HostInterfaces.Enter(call);
        return context.Operation.OpenBucket(instance.ClientDataBucket, StorageDuration.Persistent);
    }

    private static void GetEncoded(in HostCall call)
    {
        var value = ClientDataBucket(call).Get(ComponentValues.ReadString(call.Args[0]));
        WriteOptionBase64(call, ref call.Results[0], value);
    }

    private static void SetEncoded(in HostCall call) =>
        SetDecoded(call, ClientDataBucket(call), ComponentValues.ReadString(call.Args[0]), ComponentValues.ReadUtf8(call.Args[1]));

    /// <summary>Writes <c>option&lt;string&gt;</c>: none, or some(the base64 of <paramref name="value"/>).</summary>
    internal static void WriteOptionBase64(in HostCall call, ref ComponentVal dst, byte[]? value)
    {
        if (value is null)
        {
            ComponentValues.WriteNone(ref dst);
            return;
        }
        ComponentVal payload = default;
        if (((PluginInstance)call.Store.HostState!).Plugin.Host.AdapterGetFilterForTests is { } corrupt)
        {
            var encoded = new byte[Base64.GetMaxEncodedToUtf8Length(value.Length)];
            Base64.EncodeToUtf8(value, encoded, out _, out var w);
            ComponentValues.WriteUtf8(ref payload, corrupt(encoded[..w]));
        }
        else
        {
            WriteBase64(ref payload, value);
        }
        ComponentValues.WriteSome(ref dst, ref payload);
    }

    /// <summary>Writes a string value holding the base64 of <paramref name="bytes"/>, encoded straight into Wasmtime's buffer.</summary>
    internal static void WriteBase64(ref ComponentVal dst, ReadOnlySpan<byte> bytes)
    {
        var length = Base64.GetMaxEncodedToUtf8Length(bytes.Length);
        WasmByteVec vec = default;
        Native.wasm_byte_vec_new_uninitialized(&vec, (nuint)length);
        // Link the buffer into the value first, so Wasmtime frees it whatever happens next.
        dst.Kind = ComponentValKind.String;
        dst.Size = vec.Size;
        dst.Data = (nint)vec.Data;
        if (length == 0) return;
        var status = Base64.EncodeToUtf8(bytes, new Span<byte>(vec.Data, length), out _, out var written);
        if (status != OperationStatus.Done || written != length)
            throw new InvalidOperationException($"base64 encoding of a {bytes.Length}-byte value failed ({status})");
    }

    /// <summary>Decodes a base64 value and stores it under <paramref name="key"/>; the size is checked before decoding, so an oversized value costs nothing.</summary>
    internal static void SetDecoded(in HostCall call, Bucket bucket, string key, ReadOnlySpan<byte> encoded)
    {
        var length = Base64.GetMaxDecodedFromUtf8Length(encoded.Length);
        if (encoded.Length >= 1 && encoded[^1] == (byte)'=') length--;
        if (encoded.Length >= 2 && encoded[^2] == (byte)'=') length--;
        ((PluginInstance)call.Store.HostState!).Plugin.Host.Store.Limits.ValidateValueSize(key, length);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var status = Base64.DecodeFromUtf8(encoded, buffer, out var consumed, out var written);
            if (status != OperationStatus.Done || consumed != encoded.Length)
                throw new PluginException(PluginErrorCode.Trap, $"supervisor byte adapter: the value for key \"{key}\" did not arrive as valid base64 ({status})");
            bucket.Set(key, buffer.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The adapter reports a failure (an invalid string from the host); the call traps with its message.</summary>
    private static void Fail(in HostCall call)
    {
        HostInterfaces.Enter(call);
        throw new PluginException(PluginErrorCode.Trap, ComponentValues.ReadString(call.Args[0]));
    }
}
