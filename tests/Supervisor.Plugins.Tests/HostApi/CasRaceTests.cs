using System.Text;
using Supervisor.Storage;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// draft2's compare-and-swap raced: threads in two supervisors on one store increment a counter through
/// <c>cas.new</c>, <c>current</c> and <c>swap</c>; a swap that wrote is an increment that happened, so the swaps that
/// wrote add up to the counter exactly (a swap done as read, compare, then set would let two write the same value).
/// The plugin runs without turns (it handles concurrency itself, PDP-TURN-5), so the swaps really race.
/// </summary>
public sealed class CasRaceTests : HostStorePluginTestBase
{
    [Fact, Rule("PDP-KV-6")]
    public void SwapsThatWrote_EqualTheFinalCount_AcrossThreadsAndSupervisors()
    {
        var supervisors = new[] { NewJsSupervisor(Concurrent("jskv2")), OtherSession(Concurrent("jskv2")) };
        const int threadsEach = 4, times = 100;
        long wrote = 0;
        var raced = false;
        // Up to three rounds until one shows a swap losing a race: in the first, threads that create their plugin
        // instances one after another on 2 cores may run their loops one after another too; later rounds find the
        // instances made.
        for (var round = 0; round < 3 && !raced; round++)
        {
            long wroteThisRound = 0;
            // Every thread starts its loop at once: started one by one on 2 cores, the first could finish before the last began.
            using var start = new Barrier(supervisors.Length * threadsEach);
            var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var threads = supervisors.SelectMany(s => Enumerable.Range(0, threadsEach).Select(_ => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait(TimeSpan.FromMinutes(1));
                    var n = (uint)Ok(s.Call("jskv2:plugin/api.cas-increment", "race", "counter", (uint)times))!;
                    Interlocked.Add(ref wroteThisRound, n);
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                }
            }))).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a racing call did not end"));

            Assert.Empty(failures);
            wrote += wroteThisRound;
            var stored = StoredRecord(supervisors[0], DbMode.NonTransactional, "jskv2", "race", "counter");
            Assert.NotNull(stored);
            Assert.Equal(wrote, long.Parse(Encoding.UTF8.GetString(stored)));
            raced = wroteThisRound < supervisors.Length * threadsEach * times;
        }
        // The race was real: some swaps met a concurrent write.
        Assert.True(raced, "no swap ever lost a race in three rounds; the test raced nothing");
    }
}
