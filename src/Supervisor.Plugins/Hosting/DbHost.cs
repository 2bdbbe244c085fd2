using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// psibase's <c>host:db/store</c> (also under its older name <c>host:common/store</c>): buckets
/// opened with a mode and a duration, scoped to the calling plugin. The WIT has no error type,
/// so a refused call traps with a message naming the limit, failing the operation.
/// </summary>
internal sealed class DbHost(SupervisorHost host, HostResourceType bucketType)
{
    /// <summary>Defines the functions the guest imports from <paramref name="import"/>.</summary>
    public void Define(ComponentItemInfo import, LinkerInstance li)
    {
        li.AddResource("bucket", bucketType, static (store, rep) => (store?.HostState as PluginInstance)?.Resources.Remove(rep));
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
                    host.Store.Limits.ValidateValueSize(key, length);
                    bucket.Set(key, ComponentValues.ReadBytes(c.Args[2]));
                },
                "[method]bucket.delete" => (in HostCall c) => Bucket(c).Delete(ComponentValues.ReadString(c.Args[1])),
                "[method]bucket.exists" => (in HostCall c) => ComponentValues.WriteBool(ref c.Results[0], Bucket(c).Exists(ComponentValues.ReadString(c.Args[1]))),
                "flush-transactional-data" or "clear-buffers" => (in HostCall c) =>
                    throw new PluginException(PluginErrorCode.Trap,
                        $"{import.Name}.{f.Name} is not available to plugins: the supervisor commits and clears transactional data at operation boundaries"),
                _ => throw new PluginException(PluginErrorCode.ImportRefused, $"{import.Name} has no function \"{f.Name}\" in this host"),
            };
            li.AddFunction(f.Name, HostInterfaces.Guard(body));
        }
    }

    /// <summary>The byte adapter's twins of <c>[method]bucket.get</c> and <c>.set</c>: values as base64 strings (<see cref="AdapterHost"/>).</summary>
    public void DefineAdapter(LinkerInstance li)
    {
        li.AddFunction("get-enc", HostInterfaces.Guard((in HostCall c) =>
            AdapterHost.WriteOptionBase64(c, ref c.Results[0], Bucket(c).Get(ComponentValues.ReadString(c.Args[1])))));
        li.AddFunction("set-enc", HostInterfaces.Guard((in HostCall c) =>
            AdapterHost.SetDecoded(c, Bucket(c), ComponentValues.ReadString(c.Args[1]), ComponentValues.ReadUtf8(c.Args[2]))));
    }

    private static readonly WitType DatabaseType = new WitRecord([
        new WitField("mode", new WitEnum(["non-transactional", "transactional"])),
        new WitField("duration", new WitEnum(["persistent", "session", "ephemeral"])),
    ]);

    private void Construct(in HostCall call)
    {
        var (instance, _) = HostInterfaces.Enter(call);
        var db = (Dictionary<string, object?>)ComponentValues.ToManaged(call.Args[0], DatabaseType)!;
        var mode = (string)db["mode"]! == "transactional" ? DbMode.Transactional : DbMode.NonTransactional;
        var duration = (string)db["duration"]! switch
        {
            "session" => StorageDuration.Session,
            "ephemeral" => StorageDuration.Ephemeral,
            _ => StorageDuration.Persistent,
        };
        var id = new BucketId(host.ChainId, mode, instance.Service, ComponentValues.ReadString(call.Args[1]));
        var rep = instance.Resources.TryAdd(new BucketHandle(id, duration))
            ?? throw new PluginException(PluginErrorCode.Trap, instance.Resources.FullMessage(instance.Service));
        ComponentValues.WriteHostResource(call.Context, ref call.Results[0], bucketType.Own(rep));
    }

    private Bucket Bucket(in HostCall call)
    {
        var (instance, context) = HostInterfaces.Enter(call);
        var handle = instance.Resources.Get<BucketHandle>(ComponentValues.ReadHostResourceRep(call.Context, call.Args[0], bucketType));
        return context.Operation.OpenBucket(handle.Id, handle.Duration);
    }
}
