using Supervisor.Storage;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// Turns: at most one operation at a time inside a plugin of a store. The <c>notes</c> example does read-modify-write
/// through clientdata (which has no compare-and-swap), so without turns concurrent <c>add</c>s lose and duplicate notes.
/// Outcomes are asserted, never timing.
/// </summary>
public sealed class TurnTests : PluginTestBase
{
    private const string Add = "notes:plugin/api.add";
    private const string ListAll = "notes:plugin/api.list-all";
    private const string Theme = "settings:plugin/api.get-theme";

    private static string Examples => RepositoryPaths.ExamplePlugins;

    private PluginSupervisor NewNotes(Action<SupervisorOptions>? configure = null) => NewSupervisor(o =>
    {
        o.PluginDirectory = Examples;
        configure?.Invoke(o);
    });

    /// <summary>Every note's id; fails when a note is missing or an id repeats.</summary>
    private static List<uint> NoteIds(PluginSupervisor s) =>
        ((System.Collections.IEnumerable)s.Call(ListAll)!).Cast<IDictionary<string, object?>>().Select(n => (uint)n["id"]!).ToList();

    [Fact, Rule("PDP-TURN-1")]
    public void NotesAdd_FromThreadsOfTwoSupervisors_KeepsEveryNoteWithDistinctIds()
    {
        var supervisors = new[] { NewNotes(), NewNotes() };
        const int threadsEach = 4, calls = 15;
        var ids = new System.Collections.Concurrent.ConcurrentBag<uint>();
        var threads = supervisors.SelectMany(s => Enumerable.Range(0, threadsEach).Select(t => new Thread(() =>
        {
            for (var i = 0; i < calls; i++) ids.Add((uint)s.Call(Add, $"note {t}.{i}")!);
        }))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "an add did not end"));

        const int expected = 2 * threadsEach * calls;
        Assert.Equal(expected, ids.Distinct().Count());
        var stored = NoteIds(supervisors[0]);
        Assert.Equal(expected, stored.Count);
        Assert.Equal(ids.Order(), stored.Order());
    }

    // 4 processes (this one and 3 workers) x 8 threads x 4 calls, as in the repro.
    private const int Workers = 3, Threads = 8, Calls = 4, Total = (Workers + 1) * Threads * Calls;

    private List<WorkerProcess> StartWorkers(params string[] call) => Enumerable.Range(0, Workers).Select(_ => WorkerProcess.StartProgram(
        "Supervisor.Plugins.Worker", [Examples, SharedCache, StorePath, "test", "--repeat", $"{Calls}", $"{Threads}", .. call])).ToList();

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-3")]
    public void NotesAdd_FromSeveralProcessesAndThreads_KeepsEveryNoteWithDistinctIds()
    {
        var s = NewNotes();
        s.Call(ListAll); // compiled once, before the children start
        WorkerProcess.RunAlongside(StartWorkers(Add, "\"from a child\""), Threads, Calls, (_, _) => s.Call(Add, "from the parent"), TimeSpan.FromMinutes(2));

        var ids = NoteIds(s);
        Assert.Equal(Total, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact, Rule("PDP-TURN-1", "PDP-TURN-3")]
    public void AClientDataCounter_FromSeveralProcessesAndThreads_EndsAtTheExactCount()
    {
        const string increment = "settings:plugin/api.increment";
        var s = NewNotes();
        s.Call(increment, "visits", 0L);
        WorkerProcess.RunAlongside(StartWorkers(increment, "\"visits\"", "1"), Threads, Calls, (_, _) => s.Call(increment, "visits", 1L), TimeSpan.FromMinutes(2));

        Assert.Equal((long)Total, s.Call(increment, "visits", 0L));
    }

    [Fact, Rule("PDP-TURN-2")]
    public void OppositeOrders_InOneProcess_FailOneOperationAtOnce_WithADeadlockNamingTheCycle()
    {
        var s = NewNotes();
        var first = s.BeginOperation();
        var second = s.BeginOperation();
        first.Call(ListAll);   // first holds notes
        second.Call(Theme);    // second holds settings
        PluginException? deadlock = null;
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Cross(PluginOperation op, string target)
        {
            try
            {
                op.Call(target);
                outcomes.Enqueue("ok");
                op.Complete();
            }
            catch (PluginException e) when (e.Code == PluginErrorCode.Deadlock)
            {
                deadlock = e;
                outcomes.Enqueue("deadlock");
            }
            finally
            {
                op.Dispose();
            }
        }
        var threads = new[] { new Thread(() => Cross(first, Theme)), new Thread(() => Cross(second, ListAll)) };
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a crossing call did not end");

        Assert.Equal(["deadlock", "ok"], outcomes.Order());
        Assert.Contains("deadlock", deadlock!.Message);
        Assert.Contains("notes", deadlock.Message);
        Assert.Contains("settings", deadlock.Message);
        Assert.Equal(OperationState.Failed, (deadlock.Message.Contains("operation 1 ", StringComparison.Ordinal) ? first : second).State);
    }

    [Fact, Rule("PDP-TURN-2", "PDP-TURN-3")]
    public void OppositeOrders_InTwoProcesses_EndAtTheTimeLimit_NamingThePluginWaitedFor()
    {
        var s = NewNotes();
        s.Call(ListAll);
        s.Call(Theme); // compiled once, before the children start
        var go = Path.Combine(Path.GetDirectoryName(StorePath)!, "go");
        var workers = new[] { (ListAll, Theme), (Theme, ListAll) }.Select(p => WorkerProcess.StartProgram("Supervisor.Plugins.Worker",
            Examples, SharedCache, StorePath, "test", "--timeout", "5000", "--cross", p.Item1, p.Item2, go)).ToList();
        try
        {
            WithinHangGuard(() =>
            {
                while (!workers.All(w => w.Lines.Contains("holding")))
                {
                    if (workers.FirstOrDefault(w => w.HasExited) is { } ended) Assert.Fail("a crossing worker ended early: " + string.Join("\n", ended.Lines));
                    Thread.Sleep(20);
                }
                return true;
            }, "the workers never held their first turns");
            File.WriteAllText(go, "");
            foreach (var w in workers) w.WaitForExit(TimeSpan.FromMinutes(1));

            var outcomes = workers.Select(w => w.Lines.Last()).ToList();
            // Neither hangs: at least one fails at its time limit while waiting, naming the plugin whose turn it waited for
            // and that another process holds it. The other then gets its turn, and goes on or meets its own time limit
            // (which by then may pass inside the plugin's call).
            Assert.Contains(outcomes, o => o.StartsWith("error Timeout", StringComparison.Ordinal) && o.Contains("another process", StringComparison.Ordinal)
                && (o.Contains("\"settings\"", StringComparison.Ordinal) || o.Contains("\"notes\"", StringComparison.Ordinal)));
            for (var i = 0; i < 2; i++)
            {
                if (outcomes[i] == "ok") continue;
                Assert.StartsWith("error Timeout", outcomes[i]);
                if (outcomes[i].Contains("another process", StringComparison.Ordinal))
                    Assert.Contains(i == 0 ? "\"settings\"" : "\"notes\"", outcomes[i]);
            }
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
        Assert.IsType<uint>(s.Call(Add, "after both")); // every turn was released
    }

    [Fact, Rule("PDP-TURN-1")]
    public void AnOpenOperation_MakesAnotherWait_UntilItsTimeLimit_NamingTheHolder()
    {
        // Long enough for the calls that must succeed (the first creates the 11 MB JavaScript instance) on a loaded machine.
        var s = NewNotes(o => o.CallTimeout = TimeSpan.FromSeconds(2));
        using var holder = s.BeginOperation("holder");
        holder.Call(Add, "held");

        var e = Assert.Throws<PluginException>(() => s.Call(Add, "waits"));
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("\"notes\"", e.Message);
        Assert.Contains("app \"holder\"", e.Message);

        holder.Complete();
        Assert.IsType<uint>(s.Call(Add, "after"));
        Assert.Equal(2, NoteIds(s).Count);
    }

    [Fact, Rule("PDP-TURN-5")]
    public void AConcurrentPlugin_TakesNoTurn()
    {
        var s = NewNotes(o =>
        {
            o.CallTimeout = TimeSpan.FromSeconds(2);
            o.ConcurrentPlugins.Add("notes");
        });
        using var open = s.BeginOperation();
        open.Call(Add, "open");
        Assert.IsType<uint>(s.Call(Add, "not waiting"));
        open.Complete();
        Assert.Throws<ArgumentException>(() => new SupervisorOptions().ConcurrentPlugins.Add("Not A Name"));
    }

    [Fact, Rule("PDP-TURN-8")]
    public void ASupervisorOptingOutOfTurns_OnAStoreThatRecordsTurns_IsRefused_UntilTheModeIsChanged()
    {
        var serial = NewNotes();
        serial.Call(Add, "first");

        var concurrent = NewNotes(o => o.ConcurrentPlugins.Add("notes"));
        var e = Assert.Throws<PluginException>(() => concurrent.Call(Add, "refused"));
        Assert.Equal(PluginErrorCode.TurnModeConflict, e.Code);
        Assert.Contains("\"notes\" takes turns", e.Message);
        Assert.Contains("supervisor storage turn-mode notes concurrent", e.Message);
        Assert.Single(NoteIds(serial)); // nothing ran
        // Refused again on the next call: a disagreement is not remembered as agreed.
        Assert.Equal(PluginErrorCode.TurnModeConflict, Assert.Throws<PluginException>(() => concurrent.Call(ListAll)).Code);

        serial.Store.SetTurnMode("test", "notes", TurnMode.Concurrent);
        Assert.IsType<uint>(concurrent.Call(Add, "now concurrent"));
        var lateSerial = NewNotes();
        var refused = Assert.Throws<PluginException>(() => lateSerial.Call(ListAll));
        Assert.Equal(PluginErrorCode.TurnModeConflict, refused.Code);
        Assert.Contains("runs without turns", refused.Message);
        Assert.Contains("--concurrent-plugin notes", refused.Message);
    }

    [Fact, Rule("PDP-TURN-8")]
    public void TheFirstProcessToCallAPlugin_RecordsItsMode_AndForgettingItLetsTheNextRecordItsOwn()
    {
        var concurrent = NewNotes(o => o.ConcurrentPlugins.Add("notes"));
        Assert.Null(concurrent.Store.GetTurnMode("test", "notes"));
        concurrent.Call(ListAll);
        Assert.Equal(TurnMode.Concurrent, concurrent.Store.GetTurnMode("test", "notes"));
        Assert.Null(concurrent.Store.GetTurnMode("test", "settings")); // per plugin

        var serial = NewNotes();
        Assert.Equal(PluginErrorCode.TurnModeConflict, Assert.Throws<PluginException>(() => serial.Call(ListAll)).Code);
        serial.Store.SetTurnMode("test", "notes", null);
        serial.Call(ListAll);
        Assert.Equal(TurnMode.Serialized, serial.Store.GetTurnMode("test", "notes"));
        Assert.Throws<StorageException>(() => serial.Store.GetTurnMode("test", "Not A Name"));
    }

    [Fact, Rule("PDP-TURN-6")]
    public void AGroupHeldPastTheBound_LosesItsTurns_AndFailsWithTimeout()
    {
        var s = NewNotes(o => o.MaxTurnHold = TimeSpan.FromMilliseconds(100));
        var slow = s.BeginOperation("slow");
        slow.Call(Add, "slow");
        Thread.Sleep(300); // past the bound, so the next operation may take the turn
        Assert.IsType<uint>(s.Call(Add, "next"));

        var e = Assert.Throws<PluginException>(() => slow.Call(Add, "again"));
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("took them", e.Message);
        Assert.Equal(OperationState.Failed, slow.State);
        slow.Dispose();
    }

    [Fact, Rule("PDP-TURN-3")]
    public void AHolderKilledWithSigkill_DoesNotHoldTheTurn()
    {
        var s = NewNotes(o => o.CallTimeout = TimeSpan.FromSeconds(3));
        s.Call(ListAll);
        using var holder = WorkerProcess.StartProgram("Supervisor.Plugins.Worker", Examples, SharedCache, StorePath, "test", "--hold", ListAll);
        WithinHangGuard(() =>
        {
            while (!holder.Lines.Contains("holding"))
            {
                if (holder.HasExited) Assert.Fail("the holding worker ended: " + string.Join("\n", holder.Lines));
                Thread.Sleep(20);
            }
            return true;
        }, "the worker never held the turn");

        var e = Assert.Throws<PluginException>(() => s.Call(Add, "while held"));
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("another process", e.Message);

        holder.Kill();
        holder.WaitForExit(TimeSpan.FromMinutes(1));
        Assert.IsType<uint>(s.Call(Add, "after the kill"));
        Assert.Single(NoteIds(s));
    }
}
