using Microsoft.Extensions.Logging;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// PDP-ERR-1 on the paths <see cref="HostFaultTests"/> does not reach: the byte adapter's <c>get-enc</c>/<c>set-enc</c>
/// twins and the plain functions, each chosen explicitly (the default follows the environment); <c>clientdata</c>;
/// <c>host:common/store</c>; draft2 <c>swap</c> failing after its <c>cas.new</c> read succeeded (its own catch); and a
/// host bug (an exception that is not a storage error), which the app sees only as "the host failed".
/// </summary>
public sealed class HostFaultPathTests : HostStorePluginTestBase
{
    private const string Generic = "the host's store failed; the host logged the cause";

    public HostFaultPathTests()
    {
        Link(JsPlugin("jsnotes"), Path.Combine(PluginDir, "jsnotes", "plugin.wasm"));
    }

    private (PluginSupervisor Supervisor, FaultingBackend Backend, ListLoggerFactory Log) Faulty(bool adapter)
    {
        FaultingBackend? backend = null;
        var registry = BackendRegistry.CreateDefault();
        registry.Register("faulting", _ => backend = new FaultingBackend(BackendRegistry.CreateDefault().Create(new StorageOptions { Backend = "memory" })));
        var store = KeyValueStore.Create(new StorageOptions { Backend = "faulting", Registry = registry });
        var log = new ListLoggerFactory();
        var s = NewJsSupervisor(o =>
        {
            o.Store = store;
            o.LoggerFactory = log;
            o.ByteAdapter = adapter;
        });
        return (s, backend!, log);
    }

    private static void AssertLoggedWithCause(ListLoggerFactory log) =>
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Exception?.Message.Contains(FaultingBackend.SecretPath, StringComparison.Ordinal) == true);

    /// <summary>The functions whose values pass the byte adapter (so each has an adapted and a plain path) with an error channel.</summary>
    public static TheoryData<string, bool> AdaptedKeyValueCalls() => new()
    {
        { "jskv1:plugin/api.get", true }, { "jskv1:plugin/api.get", false },
        { "jskv1:plugin/api.set", true }, { "jskv1:plugin/api.set", false },
        { "jskv2:plugin/api.get", true }, { "jskv2:plugin/api.get", false },
        { "jskv2:plugin/api.set", true }, { "jskv2:plugin/api.set", false },
    };

    [Theory, Rule("PDP-ERR-1", "PDP-KV-8")]
    [MemberData(nameof(AdaptedKeyValueCalls))]
    public void KeyValueGetAndSet_WithAndWithoutTheByteAdapter_GiveThePluginOnlyTheGenericError(string target, bool adapter)
    {
        var (s, backend, log) = Faulty(adapter);
        Assert.Equal(adapter, Composition.AdapterTestValues.IsComposed(s, target.Split(':')[0]));
        backend.Faulting = true;
        object?[] args = target.EndsWith(".set", StringComparison.Ordinal) ? ["b", "k", new byte[] { 1 }] : ["b", "k"];

        var error = Err(s, target, args);

        Assert.Contains(Generic, error);
        Assert.DoesNotContain(FaultingBackend.SecretPath, error);
        AssertNoHostPaths(error);
        AssertLoggedWithCause(log);
    }

    public static TheoryData<string, bool> TrappingCalls() => new()
    {
        { "jsnotes:plugin/api.put", true }, { "jsnotes:plugin/api.put", false },
        { "jsnotes:plugin/api.fetch", true }, { "jsnotes:plugin/api.fetch", false },
        { "jsnotes:plugin/api.remove", true },
        { "jsdb:plugin/api.set", true }, { "jsdb:plugin/api.set", false },
        { "jsdb:plugin/api.get", true }, { "jsdb:plugin/api.get", false },
        { "jsdbold:plugin/api.set", true }, { "jsdbold:plugin/api.set", false },
        { "jsdbold:plugin/api.get", true }, { "jsdbold:plugin/api.get", false },
    };

    private static object?[] ArgsOf(string target)
    {
        var function = target[(target.LastIndexOf('.') + 1)..];
        if (target.StartsWith("jsnotes", StringComparison.Ordinal))
            return function == "put" ? ["k", new byte[] { 1 }] : ["k"];
        return function == "set" ? ["non-transactional", "persistent", "b", "k", new byte[] { 1 }] : ["non-transactional", "persistent", "b", "k"];
    }

    /// <summary>
    /// clientdata and host:db (both names) have no error channel: the plugin traps (it cannot read a trap), the host
    /// logs the cause, and the app, trusted and the host's own, reads the storage error's message (errors.md).
    /// </summary>
    [Theory, Rule("PDP-ERR-1", "PDP-CD-2", "PDP-DB-5")]
    [MemberData(nameof(TrappingCalls))]
    public void ClientDataAndHostDb_WithAndWithoutTheByteAdapter_TrapAndTheAppSeesTheCause(string target, bool adapter)
    {
        var (s, backend, log) = Faulty(adapter);
        backend.Faulting = true;

        var e = Trap(s, target, ArgsOf(target));

        Assert.Contains(FaultingBackend.SecretPath, e.Message);
        Assert.IsType<StorageException>(e.InnerException);
        AssertLoggedWithCause(log);
        backend.Faulting = false;
        s.Call("jsdb:plugin/api.set", "non-transactional", "persistent", "b", "after", new byte[] { 9 });
    }

    [Fact, Rule("PDP-ERR-1", "PDP-KV-6")]
    public void Swap_FaultingAfterItsCasNewReadSucceeded_GivesThePluginOnlyTheGenericError()
    {
        var (s, backend, log) = Faulty(DefaultByteAdapter);
        Ok(s.Call("jskv2:plugin/api.set", "b", "k", new byte[] { 1 }));
        backend.Faulting = true;
        backend.Only = nameof(StorageBackend.CompareAndSwap);

        var error = Err(s, "jskv2:plugin/api.cas-update", "b", "k", new byte[] { 2 });

        Assert.Contains(Generic, error);
        Assert.DoesNotContain("cas-failed", error);
        AssertNoHostPaths(error);
        AssertLoggedWithCause(log);
        // The log names the plugin and the function that met the fault.
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Message.StartsWith("storage failed under jskv2 in ", StringComparison.Ordinal));
        backend.Faulting = false;
        Assert.Equal(new byte[] { 1 }, StoredRecord(s, DbMode.NonTransactional, "jskv2", "b", "k"));
    }

    [Fact, Rule("PDP-ERR-1")]
    public void AKeyValueFunctionMeetingAHostBug_GivesThePluginOnlyTheGenericHostError()
    {
        var (s, backend, log) = Faulty(DefaultByteAdapter);
        backend.Faulting = true;
        backend.AsBug = true;

        var error = Err(s, "jskv2:plugin/api.exists", "b", "k");

        Assert.Contains("the host failed; the host logged the cause", error);
        AssertNoHostPaths(error);
        Assert.DoesNotContain(FaultingBackend.SecretPath, error);
        Assert.Contains(log.Entries, e => e.Level == LogLevel.Error && e.Exception is InvalidOperationException
            && e.Message.StartsWith("host failure under jskv2 in ", StringComparison.Ordinal));
    }

    /// <summary>
    /// A host bug is not a storage failure: the app's exception says only "the host failed (see the host's log)",
    /// since the message of an arbitrary exception is not written for anyone, and the log has it whole.
    /// </summary>
    [Theory, Rule("PDP-ERR-1")]
    [InlineData("jsdb:plugin/api.get")]
    [InlineData("jsnotes:plugin/api.put")]
    public void ATrappingFunctionMeetingAHostBug_TellsTheAppOnlyThatTheHostFailed(string target)
    {
        var (s, backend, log) = Faulty(DefaultByteAdapter);
        backend.Faulting = true;
        backend.AsBug = true;

        var e = Trap(s, target, ArgsOf(target));

        Assert.Contains("the host failed (see the host's log)", e.Message);
        Assert.DoesNotContain(FaultingBackend.SecretPath, e.Message);
        Assert.Contains(log.Entries, l => l.Level == LogLevel.Error && l.Message.Contains("host function failed in", StringComparison.Ordinal)
            && l.Exception is InvalidOperationException);
    }

    /// <summary>
    /// The turn is taken before the plugin runs: a store that fails there fails the call as unavailable, with the storage
    /// error's words for the app; a host bug there is logged whole and the app reads only that the host failed.
    /// </summary>
    [Theory, Rule("PDP-ERR-1", "PDP-TURN-1")]
    [InlineData(false)]
    [InlineData(true)]
    public void ATurnThatCannotBeTaken_FailsTheCallAsUnavailable_BeforeThePluginRuns(bool asBug)
    {
        var (s, backend, log) = Faulty(DefaultByteAdapter);
        backend.Faulting = true;
        backend.Only = nameof(StorageBackend.LockTurn);
        backend.AsBug = asBug;

        var e = Assert.Throws<PluginException>(() => s.Call("jsnotes:plugin/api.put", "k", new byte[] { 1 }));

        Assert.Equal(PluginErrorCode.Unavailable, e.Code);
        Assert.Contains("call to jsnotes:plugin/api.put: the plugin's turn could not be taken: ", e.Message);
        if (asBug)
        {
            Assert.Contains("the host failed (see the host's log)", e.Message);
            Assert.DoesNotContain(FaultingBackend.SecretPath, e.Message);
            Assert.Contains(log.Entries, l => l.Level == LogLevel.Error && l.Exception is InvalidOperationException);
        }
        else
        {
            Assert.Contains(FaultingBackend.SecretPath, e.Message); // a storage error is written for the app
        }
        backend.Faulting = false;
        Assert.Null(s.Call("jsnotes:plugin/api.fetch", "k")); // nothing was written; the supervisor goes on
    }
}
