using System.Buffers;
using System.Buffers.Text;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// The host side of the byte adapters: string-based twins of the byte-carrying host functions, whose values
/// cross as base64 (padded, RFC 4648) UTF-8 strings. Values are decoded and encoded with
/// <see cref="Base64"/> straight on the native UTF-8 bytes Wasmtime hands over or takes back; no .NET string
/// is made for a value. Only composed components import these interfaces (<see cref="Loading.ImportPolicy"/> refuses
/// them to plugins), so the caller is always the supervisor's own adapter. Each twin lives with the interface it
/// doubles (<see cref="ClientDataHost"/>, <see cref="KeyValueHost"/>, <see cref="DbHost"/>); the shared coding is here.
/// </summary>
internal static unsafe class AdapterHost
{
    /// <summary>Defines <c>fail</c>, which every adapter interface has: the adapter reports an invalid string from the host, and the call traps with its message.</summary>
    public static void DefineFail(LinkerInstance li) => li.AddFunction("fail", HostFunctions.Guard(static (in HostCall call) =>
    {
        HostFunctions.Enter(call);
        throw new PluginException(PluginErrorCode.Trap, ComponentValues.ReadString(call.Args[0]));
    }));

    /// <summary>Writes <c>option&lt;string&gt;</c>: none, or some(the base64 of <paramref name="value"/>).</summary>
    internal static void WriteOptionBase64(HostContext host, ref ComponentVal dst, byte[]? value)
    {
        if (value is null)
        {
            ComponentValues.WriteNone(ref dst);
            return;
        }
        ComponentVal payload = default;
        if (host.AdapterGetFilterForTests is { } corrupt)
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
    internal static void SetDecoded(HostContext host, Bucket bucket, string key, ReadOnlySpan<byte> encoded)
    {
        var length = Base64.GetMaxDecodedFromUtf8Length(encoded.Length);
        if (encoded.Length >= 1 && encoded[^1] == (byte)'=') length--;
        if (encoded.Length >= 2 && encoded[^2] == (byte)'=') length--;
        host.Limits.ValidateValueSize(key, length);
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
}
