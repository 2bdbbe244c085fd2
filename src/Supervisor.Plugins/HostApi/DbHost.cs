using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// psibase's <c>host:db/store</c> (also under its older name <c>host:common/store</c>): buckets
/// opened with a mode and a duration, scoped to the calling plugin. The WIT has no error type,
/// so a refused call traps with a message naming the limit, failing the operation.
/// </summary>
internal sealed class DbHost(HostContext host, HostResourceType bucketType) : IHostInterface
{
    public IReadOnlyList<string> Names { get; } = [HostCatalog.DbStore, HostCatalog.CommonStore, Composition.ByteAdapter.DbHost, Composition.ByteAdapter.CommonStoreHost];

    public void Define(string name, ComponentItemInfo import, LinkerInstance li)
    {
        if (name is Composition.ByteAdapter.DbHost or Composition.ByteAdapter.CommonStoreHost)
        {
            DefineAdapter(name, li);
            return;
        }
        li.AddResource("bucket", bucketType, static (store, rep) => (store?.HostState as GuestState)?.Resources.Remove(rep));
        var api = import.Name.Split('@')[0];
        foreach (var f in import.Exports.Where(e => e.Kind == ComponentItemKind.Func))
        {
            HostFunction body = f.Name switch
            {
                "[constructor]bucket" => Construct,
                "[method]bucket.get" => (in HostCall c) =>
                {
                    var value = Bucket(c).Get(ComponentValues.ReadString(c.Args[1]));
                    ComponentValues.WriteOptionBytes(ref c.Results[0], value, value is not null);
                },
                "[method]bucket.set" => (in HostCall c) =>
                {
                    var bucket = Bucket(c);
                    var key = ComponentValues.ReadString(c.Args[1]);
                    var length = ComponentValues.ListLength(c.Args[2]);
                    host.Limits.ValidateValueSize(key, length);
                    bucket.Set(key, ComponentValues.ReadBytes(c.Args[2]));
                },
                "[method]bucket.delete" => (in HostCall c) => Bucket(c).Delete(ComponentValues.ReadString(c.Args[1])),
                "[method]bucket.exists" => (in HostCall c) => ComponentValues.WriteBool(ref c.Results[0], Bucket(c).Exists(ComponentValues.ReadString(c.Args[1]))),
                "flush-transactional-data" or "clear-buffers" => (in HostCall c) =>
                    throw new PluginException(PluginErrorCode.Trap,
                        $"{import.Name}.{f.Name} is not available to plugins: the supervisor commits and clears transactional data at operation boundaries"),
                _ => throw new PluginException(PluginErrorCode.ImportRefused, $"{import.Name} has no function \"{f.Name}\" in this host"),
            };
            // The bucket's mode and duration are known once its handle is read (Bucket tags the span then).
            if (HostFunctions.StorageOperation(f.Name) is { } operation) body = HostFunctions.Storage(operation, api, body);
            li.AddFunction(f.Name, HostFunctions.Guard(body));
        }
    }

    /// <summary>The byte adapter's twins of <c>[method]bucket.get</c> and <c>.set</c>: values as base64 strings (<see cref="AdapterHost"/>).</summary>
    private void DefineAdapter(string name, LinkerInstance li)
    {
        // Spans name the interface the plugin imported, not the adapter's.
        var api = name == Composition.ByteAdapter.CommonStoreHost ? HostCatalog.CommonStore : HostCatalog.DbStore;
        li.AddFunction("get-enc", HostFunctions.Guard(HostFunctions.Storage("get", api, (in HostCall c) =>
            AdapterHost.WriteOptionBase64(host, ref c.Results[0], Bucket(c).Get(ComponentValues.ReadString(c.Args[1]))))));
        li.AddFunction("set-enc", HostFunctions.Guard(HostFunctions.Storage("set", api, (in HostCall c) =>
            AdapterHost.SetDecoded(host, Bucket(c), ComponentValues.ReadString(c.Args[1]), ComponentValues.ReadUtf8(c.Args[2])))));
        AdapterHost.DefineFail(li);
    }

    private static readonly WitType DatabaseType = new WitRecord([
        new WitField("mode", new WitEnum(["non-transactional", "transactional"])),
        new WitField("duration", new WitEnum(["persistent", "session", "ephemeral"])),
    ]);

    private void Construct(in HostCall call)
    {
        var (guest, _) = HostFunctions.Enter(call);
        var db = (Dictionary<string, object?>)ManagedValues.ToManaged(call.Args[0], DatabaseType)!;
        var mode = (string)db["mode"]! == "transactional" ? DbMode.Transactional : DbMode.NonTransactional;
        var duration = (string)db["duration"]! switch
        {
            "session" => StorageDuration.Session,
            "ephemeral" => StorageDuration.Ephemeral,
            _ => StorageDuration.Persistent,
        };
        var id = new BucketId(host.ChainId, mode, guest.Service, ComponentValues.ReadString(call.Args[1]));
        var rep = guest.Resources.TryAdd(new BucketHandle(id, duration))
            ?? throw new PluginException(PluginErrorCode.Trap, guest.Resources.FullMessage(guest.Service));
        ComponentResources.WriteHostResource(call.Context, ref call.Results[0], bucketType.Own(rep));
    }

    private Bucket Bucket(in HostCall call)
    {
        var (guest, state) = HostFunctions.Enter(call);
        var handle = guest.Resources.Get<BucketHandle>(ComponentResources.ReadHostResourceRep(call.Context, call.Args[0], bucketType));
        Calling.Telemetry.TagBucket(handle.Id.Mode, handle.Duration);
        return state.Operation.OpenBucket(handle.Id, handle.Duration);
    }
}
