using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// A backend fault reached through every host function that can meet one: a plugin sees only the generic text (an
/// error value where the WIT has one, else a trap it cannot read), the host logs the cause with its path, and the
/// app, which is trusted and the host's own, gets the cause in its <see cref="PluginException"/>.
/// </summary>
public sealed class HostFaultTests : HostStorePluginTestBase
{
    private const string V1 = "jskv1:plugin/api";
    private const string V2 = "jskv2:plugin/api";
    private const string Db = "jsdb:plugin/api";

    private (PluginSupervisor Supervisor, FaultingBackend Backend, ListLoggerFactory Log) Faulty()
    {
        FaultingBackend? backend = null;
        var registry = BackendRegistry.CreateDefault();
        registry.Register("faulting", o => backend = new FaultingBackend(BackendRegistry.CreateDefault().Create(new StorageOptions { Backend = "memory" })));
        var store = KeyValueStore.Create(new StorageOptions { Backend = "faulting", Registry = registry });
        var log = new ListLoggerFactory();
        var s = NewJsSupervisor(o =>
        {
            o.Store = store;
            o.LoggerFactory = log;
        });
        return (s, backend!, log);
    }

    public static TheoryData<string, object?[]> KeyValueCalls() => new()
    {
        { $"{V2}.set", ["b", "k", new byte[] { 1 }] },
        { $"{V2}.get", ["b", "k"] },
        { $"{V2}.delete", ["b", "k"] },
        { $"{V2}.exists", ["b", "k"] },
        { $"{V2}.list-page", ["b", null] },
        { $"{V2}.increment", ["b", "n", 1L] },
        { $"{V2}.cas-current", ["b", "k"] },
        { $"{V2}.cas-update", ["b", "k", new byte[] { 2 }] },
        { $"{V2}.get-many", ["b", new List<object?> { "k" }] },
        { $"{V2}.set-many", ["b", new List<object?> { new object?[] { "k", new byte[] { 3 } } }] },
        { $"{V2}.delete-many", ["b", new List<object?> { "k" }] },
        { $"{V1}.set", ["b", "k", new byte[] { 1 }] },
        { $"{V1}.get", ["b", "k"] },
        { $"{V1}.delete", ["b", "k"] },
        { $"{V1}.exists", ["b", "k"] },
        { $"{V1}.list-page", ["b", null] },
        { $"{V1}.increment", ["b", "n", 1UL] },
        { $"{V1}.get-many", ["b", new List<object?> { "k" }] },
        { $"{V1}.set-many", ["b", new List<object?> { new object?[] { "k", new byte[] { 3 } } }] },
        { $"{V1}.delete-many", ["b", new List<object?> { "k" }] },
    };

    [Theory, Rule("PDP-ERR-1")]
    [MemberData(nameof(KeyValueCalls))]
    public void AKeyValueFunctionMeetingABackendFault_GivesThePluginOnlyTheGenericError(string target, object?[] args)
    {
        var (s, backend, log) = Faulty();
        backend.Faulting = true;

        var error = Err(s, target, args);

        Assert.Contains("the host's store failed; the host logged the cause", error);
        Assert.DoesNotContain(FaultingBackend.SecretPath, error);
        AssertNoHostPaths(error);
        Assert.Contains(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Exception?.Message.Contains(FaultingBackend.SecretPath, StringComparison.Ordinal) == true);
        backend.Faulting = false;
        Ok(s.Call($"{V2}.set", "b", "after", new byte[] { 9 }));
    }

    [Theory, Rule("PDP-ERR-1")]
    [InlineData("set")]
    [InlineData("get")]
    [InlineData("exists")]
    [InlineData("delete")]
    public void AHostDbFunctionMeetingABackendFault_TrapsThePlugin_AndTheAppSeesTheCause(string function)
    {
        var (s, backend, log) = Faulty();
        backend.Faulting = true;
        object?[] args = function == "set" ? ["non-transactional", "persistent", "b", "k", new byte[] { 1 }] : ["non-transactional", "persistent", "b", "k"];

        var e = Trap(s, $"{Db}.{function}", args);

        // The trap's message reaches the app only (a plugin cannot read a trap): the app sees the cause.
        Assert.Contains(FaultingBackend.SecretPath, e.Message);
        Assert.Contains(log.Entries, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Exception?.Message.Contains(FaultingBackend.SecretPath, StringComparison.Ordinal) == true);
    }
}
