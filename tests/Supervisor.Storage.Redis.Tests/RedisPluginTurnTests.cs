using Supervisor.Plugins;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Turns on a real redis-server through the plugin host (PDP-TURN-1, PDP-TURN-4): plugins doing read-modify-write through
/// clientdata (the <c>settings</c> and <c>notes</c> examples) from several processes lose nothing, and a process stopped
/// past its lease cannot overwrite its successor's work. Outcomes are asserted, never timing.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisPluginTurnTests(RedisServerFixture fixture) : IDisposable
{
    private const string Add = "notes:plugin/api.add";
    private const string ListAll = "notes:plugin/api.list-all";
    private const string Increment = "settings:plugin/api.increment";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _dir = new();
    private readonly List<PluginSupervisor> _supervisors = [];

    public void Dispose()
    {
        foreach (var s in _supervisors) s.Dispose();
        _dir.Dispose();
    }

    private static string Cache => RepositoryPaths.CompileCache;

    private static string Examples => RepositoryPaths.ExamplePlugins;

    private PluginSupervisor Open(string location)
    {
        var storage = new StorageOptions { Location = location };
        RedisBackend.Register(storage.Registry);
        var s = PluginSupervisor.Create(new SupervisorOptions { PluginDirectory = Examples, CacheDirectory = Cache, Storage = storage, ChainId = "test" });
        _supervisors.Add(s);
        return s;
    }

    // 4 processes (this one and 3 workers) x 8 threads x 4 calls, as in the repro.
    private const int Workers = 3, Threads = 8, Calls = 4, Total = (Workers + 1) * Threads * Calls;

    private static List<WorkerProcess> StartWorkers(string location, params string[] call) => Enumerable.Range(0, Workers).Select(_ =>
        WorkerProcess.StartProgram("Supervisor.Plugins.Worker", [Examples, Cache, location, "test", "--repeat", $"{Calls}", $"{Threads}", .. call])).ToList();

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-4")]
    public void AClientDataCounter_FromProcessesAndThreads_OnRedis_EndsAtTheExactCount()
    {
        var location = fixture.Server.NewLocation();
        var parent = Open(location);
        parent.Call(Increment, "visits", 0L); // compiled once, before the children start
        WorkerProcess.RunAlongside(StartWorkers(location, Increment, "\"visits\"", "1"), Threads, Calls, (_, _) => parent.Call(Increment, "visits", 1L), Timeout);

        Assert.Equal((long)Total, parent.Call(Increment, "visits", 0L));
    }

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-4")]
    public void NotesAdd_FromProcessesAndThreads_OnRedis_KeepsEveryNoteWithDistinctIds()
    {
        var location = fixture.Server.NewLocation();
        var parent = Open(location);
        parent.Call(ListAll);
        WorkerProcess.RunAlongside(StartWorkers(location, Add, "\"from a child\""), Threads, Calls, (_, _) => parent.Call(Add, "from the parent"), Timeout);

        var ids = ((System.Collections.IEnumerable)parent.Call(ListAll)!).Cast<IDictionary<string, object?>>().Select(n => (uint)n["id"]!).ToList();
        Assert.Equal(Total, ids.Count);
        Assert.Equal(Total, ids.Distinct().Count());
    }

    [Fact, Rule("PDP-TURN-4")]
    public void AHolderStoppedPastItsLease_IsRefusedAfterSigcont_AndItsSuccessorsNoteSurvives()
    {
        var location = fixture.Server.NewLocation("lease=500");
        var parent = Open(location);
        parent.Call(ListAll);
        var go = _dir.File("go");
        using var holder = WorkerProcess.StartProgram("Supervisor.Plugins.Worker", Examples, Cache, location, "test", "--twice", go, Add, "before", "late");
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!holder.Lines.Contains("holding"))
        {
            if (holder.HasExited) Assert.Fail("the holding worker ended: " + string.Join("\n", holder.Lines));
            Assert.True(waited.Elapsed < Timeout, "the worker never held the turn");
            Thread.Sleep(20);
        }

        holder.Signal("STOP"); // paused: it renews nothing, so its lease runs out
        try
        {
            Assert.Equal(2u, parent.Call(Add, "successor")); // waits for the lease, then takes the turn
        }
        finally
        {
            holder.Signal("CONT");
        }
        File.WriteAllText(go, "");
        Assert.Equal(1, holder.WaitForExit(Timeout));
        var outcome = holder.Lines.Last();
        Assert.StartsWith("error ", outcome);
        Assert.Contains("lease", outcome);

        var notes = ((System.Collections.IEnumerable)parent.Call(ListAll)!).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(["before", "successor"], notes.Select(n => (string)n["text"]!));
        Assert.Equal([1u, 2u], notes.Select(n => (uint)n["id"]!));
        Assert.Equal(3u, parent.Call(Add, "after")); // the late write left "next" alone
    }
}
