using System.Buffers;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// The interfaces the host implements for plugins, as native host functions. Every one derives
/// the caller from the store it runs in (<see cref="PluginInstance"/>) and the thread's
/// <see cref="CallContext"/>; nothing a plugin passes names an identity.
/// </summary>
internal static class HostInterfaces
{
    public const string ClientData = "clientdata:plugin/keyvalue";
    public const string ClientApi = "host:client/api";
    public const string CommonClient = "host:common/client";

    /// <summary>Host interfaces implemented so far.</summary>
    public static readonly IReadOnlySet<string> Implemented = new HashSet<string>(StringComparer.Ordinal)
    {
        ClientData, ClientApi, CommonClient, "host:db/store", "host:common/store",
        "wasi:keyvalue/store@0.2.0-draft", "wasi:keyvalue/atomics@0.2.0-draft", "wasi:keyvalue/batch@0.2.0-draft",
        "wasi:keyvalue/store@0.2.0-draft2", "wasi:keyvalue/atomics@0.2.0-draft2", "wasi:keyvalue/batch@0.2.0-draft2",
    };

    /// <summary>Defines the functions of host interface <paramref name="name"/> on a linker instance.</summary>
    public static void Define(string name, LinkerInstance li, SupervisorHost host, ComponentItemInfo import)
    {
        switch (name)
        {
            case "host:db/store":
            case "host:common/store":
                host.Db.Define(import, li);
                break;
            case "wasi:keyvalue/store@0.2.0-draft" or "wasi:keyvalue/atomics@0.2.0-draft" or "wasi:keyvalue/batch@0.2.0-draft":
                host.KeyValueDraft.Define(import, li);
                break;
            case "wasi:keyvalue/store@0.2.0-draft2" or "wasi:keyvalue/atomics@0.2.0-draft2" or "wasi:keyvalue/batch@0.2.0-draft2":
                host.KeyValueDraft2.Define(import, li);
                break;
            case ClientData:
                li.AddFunction("get", Guard(ClientDataGet));
                li.AddFunction("set", Guard(ClientDataSet));
                li.AddFunction("delete", Guard(ClientDataDelete));
                break;
            case ClientApi:
            case CommonClient:
                li.AddFunction("get-sender", Guard(static (in HostCall call) => WriteString(call, Enter(call).Context.Sender)));
                li.AddFunction("get-receiver", Guard(static (in HostCall call) => WriteString(call, Enter(call).Instance.Service)));
                li.AddFunction("get-active-app", Guard(static (in HostCall call) => WriteString(call, Enter(call).Context.App)));
                li.AddFunction("get-app-url", Guard((in HostCall call) =>
                {
                    Enter(call);
                    var app = ComponentValues.ReadString(call.Args[0]);
                    if (!Names.IsValidService(app))
                        throw new InvalidOperationException($"get-app-url: \"{app}\" is not a valid app name (psibase account rules)");
                    WriteString(call, $"https://{app}.{host.Options.RootDomain}/");
                }));
                break;
            case not null when Composition.ByteAdapter.AdapterInterfaces.Contains(name):
                AdapterHost.Define(name, li, host, import);
                break;
            default:
                throw new InvalidOperationException($"host interface {name} is not implemented");
        }
    }

    /// <summary>Records the first failure of a host function in the call's context, so the trap it causes can be reported with its real cause.</summary>
    public static HostFunction Guard(HostFunction function) => (in HostCall call) =>
    {
        try
        {
            function(call);
        }
        catch (Exception e)
        {
            if (CallContext.Current is { } context) context.HostError ??= e;
            throw;
        }
    };

    private static void WriteString(in HostCall call, string value) => ComponentValues.WriteString(ref call.Results[0], value);

    /// <summary>The calling instance and its context; throws if called outside a supervised call.</summary>
    internal static (PluginInstance Instance, CallContext Context) Enter(in HostCall call)
    {
        var instance = call.Store.HostState as PluginInstance
            ?? throw new InvalidOperationException("host function called from a store the supervisor does not own");
        var context = CallContext.Current
            ?? throw new InvalidOperationException("host function called outside a supervised call");
        if (context.Receiver != instance.Service)
            throw new InvalidOperationException("host function called from a plugin that is not on top of the call stack");
        return (instance, context);
    }

    private static Bucket ClientDataBucket(in HostCall call)
    {
        var (instance, context) = Enter(call);
        return context.Operation.OpenBucket(instance.ClientDataBucket, StorageDuration.Persistent);
    }


    private static void ClientDataGet(in HostCall call)
    {
        var bucket = ClientDataBucket(call);
        var value = bucket.Get(ComponentValues.ReadString(call.Args[0]));
        ComponentValues.WriteOptionBytes(ref call.Results[0], value, value is not null);
    }

    private static void ClientDataSet(in HostCall call)
    {
        var bucket = ClientDataBucket(call);
        var key = ComponentValues.ReadString(call.Args[0]);
        var length = ComponentValues.ListLength(call.Args[1]);
        // Check the size before copying, so an oversized value costs nothing.
        ((PluginInstance)call.Store.HostState!).Plugin.Host.Store.Limits.ValidateValueSize(key, length);
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

    private static void ClientDataDelete(in HostCall call) =>
        ClientDataBucket(call).Delete(ComponentValues.ReadString(call.Args[0]));
}
