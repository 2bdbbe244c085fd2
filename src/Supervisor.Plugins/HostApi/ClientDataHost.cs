using System.Buffers;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// psibase's <c>clientdata:plugin/keyvalue</c>: get, set and delete of the calling plugin's own records (non-transactional,
/// persistent), and its byte adapter's twins with values as base64 strings.
/// </summary>
internal sealed class ClientDataHost(HostContext host) : IHostInterface
{
    public IReadOnlyList<string> Names { get; } = [HostCatalog.ClientData, ByteAdapter.ClientDataHost];

    public void Define(string name, ComponentItemInfo import, LinkerInstance li)
    {
        if (name == ByteAdapter.ClientDataHost)
        {
            li.AddFunction("get-enc", Traced("get", (in HostCall call) =>
                AdapterHost.WriteOptionBase64(host, ref call.Results[0], Bucket(call).Get(ComponentValues.ReadString(call.Args[0])))));
            li.AddFunction("set-enc", Traced("set", (in HostCall call) =>
                AdapterHost.SetDecoded(host, Bucket(call), ComponentValues.ReadString(call.Args[0]), ComponentValues.ReadUtf8(call.Args[1]))));
            AdapterHost.DefineFail(li);
            return;
        }
        li.AddFunction("get", Traced("get", static (in HostCall call) =>
        {
            var value = Bucket(call).Get(ComponentValues.ReadString(call.Args[0]));
            ComponentValues.WriteOptionBytes(ref call.Results[0], value, value is not null);
        }));
        li.AddFunction("set", Traced("set", Set));
        li.AddFunction("delete", Traced("delete", static (in HostCall call) => Bucket(call).Delete(ComponentValues.ReadString(call.Args[0]))));
    }

    /// <summary>A function guarded and in a storage span of its own: clientdata's records are non-transactional and persistent.</summary>
    private static HostFunction Traced(string operation, HostFunction body) =>
        HostFunctions.Guard(HostFunctions.Storage(operation, HostCatalog.ClientData, body, DbMode.NonTransactional, StorageDuration.Persistent));

    private static Bucket Bucket(in HostCall call)
    {
        var (guest, state) = HostFunctions.Enter(call);
        return state.Operation.OpenBucket(guest.ClientDataBucket, StorageDuration.Persistent);
    }

    private void Set(in HostCall call)
    {
        var bucket = Bucket(call);
        var key = ComponentValues.ReadString(call.Args[0]);
        var length = ComponentValues.ListLength(call.Args[1]);
        // Check the size before copying, so an oversized value costs nothing.
        host.Limits.ValidateValueSize(key, length);
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var n = ComponentValues.ReadBytes(call.Args[1], buffer);
            bucket.Set(key, buffer.AsSpan(0, n));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
