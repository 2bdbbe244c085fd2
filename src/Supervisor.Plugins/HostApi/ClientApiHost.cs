using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>psibase's <c>host:client/api</c> (also <c>host:common/client</c>): who called, who runs, the active app, app URLs.</summary>
internal sealed class ClientApiHost(HostContext host) : IHostInterface
{
    public IReadOnlyList<string> Names { get; } = [HostCatalog.ClientApi, HostCatalog.CommonClient];

    public void Define(string name, ComponentItemInfo import, LinkerInstance li)
    {
        li.AddFunction("get-sender", HostFunctions.Guard(static (in HostCall call) => WriteString(call, HostFunctions.Enter(call).Call.Sender)));
        li.AddFunction("get-receiver", HostFunctions.Guard(static (in HostCall call) => WriteString(call, HostFunctions.Enter(call).Guest.Service)));
        li.AddFunction("get-active-app", HostFunctions.Guard(static (in HostCall call) => WriteString(call, HostFunctions.Enter(call).Call.App)));
        li.AddFunction("get-app-url", HostFunctions.Guard((in HostCall call) =>
        {
            HostFunctions.Enter(call);
            var app = ComponentValues.ReadString(call.Args[0]);
            if (!Storage.Names.IsValidService(app))
                throw new InvalidOperationException($"get-app-url: \"{app}\" is not a valid app name (psibase account rules)");
            WriteString(call, $"https://{app}.{host.RootDomain}/");
        }));
    }

    private static void WriteString(in HostCall call, string value) => ComponentValues.WriteString(ref call.Results[0], value);
}
