using System.Buffers;
using Supervisor.Plugins.HostApi;
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
    /// <summary>Defines the functions of host interface <paramref name="name"/> on a linker instance.</summary>
    public static void Define(string name, LinkerInstance li, SupervisorHost host, ComponentItemInfo import)
    {
        switch (name)
        {
            case HostCatalog.DbStore:
            case HostCatalog.CommonStore:
                host.Db.Define(import, li);
                break;
            case HostCatalog.KeyValueStoreDraft or HostCatalog.KeyValueAtomicsDraft or HostCatalog.KeyValueBatchDraft:
                host.KeyValueDraft.Define(import, li);
                break;
            case HostCatalog.KeyValueStoreDraft2 or HostCatalog.KeyValueAtomicsDraft2 or HostCatalog.KeyValueBatchDraft2:
                host.KeyValueDraft2.Define(import, li);
                break;
            case HostCatalog.ClientData:
                li.AddFunction("get", Guard(ClientDataGet));
                li.AddFunction("set", Guard(ClientDataSet));
                li.AddFunction("delete", Guard(ClientDataDelete));
                break;
            case HostCatalog.ClientApi:
            case HostCatalog.CommonClient:
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

    /// <summary>
    /// Traps a call made while the calling plugin is being instantiated (from a core start function): its frame is
    /// on the stack only to keep it from acting as the frame below, and nothing of it may reach the host or
    /// another plugin before an exported function of it is called.
    /// </summary>
    public static HostFunction RefuseWhileInstantiating(string interfaceName, string function, HostFunction body)
    {
        var name = Composition.ByteAdapter.PluginFacingName(interfaceName, function);
        return (in HostCall call) =>
        {
            if (CallContext.Current is { Instantiating: { } plugin } context)
            {
                var refusal = new PluginException(PluginErrorCode.Trap,
                    $"plugin \"{plugin}\" called {name} while being instantiated; host interfaces and other plugins can be called only from a plugin's exported functions");
                context.Fault ??= refusal;
                throw refusal;
            }
            body(call);
        };
    }

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
        if (context.Instantiating is not null)
            throw new InvalidOperationException("host function called while the plugin is being instantiated");
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
