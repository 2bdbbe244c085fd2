using CsCheck;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// PDP-TURN-1 as a property: random operations on the <c>notes</c> example (read-modify-write of several clientdata records
/// per call) run from several threads at once, and the store must end as some serial order of them leaves it. CsCheck runs
/// a random prefix serially, then the rest in parallel, and compares the outcome with the model run in every order
/// (linearizability); a failure is shrunk to the shortest sequence. With <c>notes</c> opted out of turns this fails
/// (lost and duplicated notes).
/// </summary>
public sealed class TurnPropertyTests : PluginTestBase
{
    /// <summary>The notes a serial run leaves, and the next id <c>add</c> hands out.</summary>
    private sealed class Model
    {
        public List<(uint Id, string Text, bool Done)> Notes { get; } = [];
        public uint Next { get; set; } = 1;
        public override string ToString() => $"next {Next}: " + string.Join(", ", Notes.Select(n => $"{n.Id}:{n.Text}{(n.Done ? "+" : "")}"));
    }

    /// <summary>A supervisor over a store of its own.</summary>
    private sealed record Actual(PluginSupervisor Supervisor)
    {
        public List<(uint Id, string Text, bool Done)> Notes() =>
            ((System.Collections.IEnumerable)Supervisor.Call("notes:plugin/api.list-all")!).Cast<IDictionary<string, object?>>()
                .Select(n => ((uint)n["id"]!, (string)n["text"]!, (bool)n["done"]!)).ToList();
        public override string ToString() => string.Join(", ", Notes().Select(n => $"{n.Id}:{n.Text}{(n.Done ? "+" : "")}"));
    }

    [Fact, Rule("PDP-TURN-1")]
    public void RandomNotesOperations_FromSeveralThreads_EndAsSomeSerialOrderWould()
    {
        var stores = 0;
        var examples = RepositoryPaths.ExamplePlugins;
        var gate = new object(); // CsCheck makes initial states on several threads; the base's list of supervisors is not thread-safe
        Actual NewActual()
        {
            lock (gate)
                return new Actual(NewSupervisor(o =>
                {
                    o.PluginDirectory = examples;
                    o.Storage = new StorageOptions { Location = Dir.File($"p{++stores}.db") };
                }));
        }

        var text = Gen.Int[0, 2].Select(i => ((char)('a' + i)).ToString());
        var id = Gen.UInt[1, 4];
        Gen.Const(() => (NewActual(), new Model())).SampleParallel(
            text.Operation<Actual, Model>(t => $"add({t})",
                (a, t) => a.Supervisor.Call("notes:plugin/api.add", t),
                (m, t) =>
                {
                    m.Notes.Add((m.Next, t, false));
                    m.Next++;
                }),
            id.Operation<Actual, Model>(i => $"remove({i})",
                (a, i) => a.Supervisor.Call("notes:plugin/api.remove", i),
                (m, i) => m.Notes.RemoveAll(n => n.Id == i)),
            id.Operation<Actual, Model>(i => $"done({i})",
                (a, i) =>
                {
                    try { a.Supervisor.Call("notes:plugin/api.done", i); }
                    catch (PluginException e) when (e.Code == PluginErrorCode.ErrorResult) { } // no such note: nothing written
                },
                (m, i) =>
                {
                    var at = m.Notes.FindIndex(n => n.Id == i);
                    if (at >= 0) m.Notes[at] = m.Notes[at] with { Done = true };
                }),
            // add writes "next" as decimal text; it must agree too, or a later add would reuse an id.
            equal: (a, m) => a.Notes().SequenceEqual(m.Notes)
                && (ClientDataRecord(a.Supervisor, "notes", "next") is { } next ? uint.Parse(System.Text.Encoding.UTF8.GetString(next)) : 1) == m.Next,
            printActual: a => a.ToString(), printModel: m => m.ToString(),
            iter: 25, threads: 4, maxSequentialOperations: 4, maxParallelOperations: 6, seed: Environment.GetEnvironmentVariable("SUPERVISOR_TEST_SEED"));
    }
}
