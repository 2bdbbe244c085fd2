using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// Disposing the supervisor while calls run: the calls are interrupted and waited for, and no native object is freed
/// under them (before, this aborted the process: glibc heap corruption, Rust panics in instantiate).
/// </summary>
public sealed class DisposeTests : PluginTestBase
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    [Fact, Rule("PDP-SEC-6")]
    public void DisposingUnderLoad_ManyTimes_OnlyEverGivesPluginOrDisposedExceptions()
    {
        var random = new Random(5);
        for (var round = 0; round < 25; round++)
        {
            var s = PluginSupervisor.Create(new SupervisorOptions
            {
                PluginDirectory = FixturePlugins,
                CacheDirectory = SharedCache,
                Storage = new Storage.StorageOptions { Location = Dir.File($"store-{round}.db") },
                ChainId = "test",
                ByteAdapter = DefaultByteAdapter,
            });
            var unexpected = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
            var calls = 0;
            var threads = Enumerable.Range(0, 16).Select(t => new Thread(() =>
            {
                for (var i = 0; ; i++)
                {
                    try
                    {
                        // A trap poisons the instance, so most calls instantiate anew: the native path the abort was on.
                        if (i % 3 == 0) s.Call("walpha:plugin/api.ping");
                        else s.Call("walpha:plugin/api.set-then-trap", $"k{t}", B("v"));
                        Interlocked.Increment(ref calls);
                    }
                    catch (PluginException e) when (e.Code is PluginErrorCode.Trap)
                    {
                        Interlocked.Increment(ref calls);
                    }
                    catch (PluginException e) when (e.Code is PluginErrorCode.Unavailable)
                    {
                        return;
                    }
                    catch (ObjectDisposedException)
                    {
                        return;
                    }
                    catch (Exception e)
                    {
                        unexpected.Enqueue(e);
                        return;
                    }
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            Thread.Sleep(random.Next(20, 150));
            s.Dispose();
            Assert.All(threads, t => Assert.True(t.Join(HangGuard), "a call went on after Dispose returned"));
            Assert.Empty(unexpected);
        }
    }

    [Fact, Rule("PDP-SEC-6")]
    public void Dispose_StopsASpinningCall_AndCallsWaitingForAnInstance()
    {
        var s = PluginSupervisor.Create(new SupervisorOptions
        {
            PluginDirectory = FixturePlugins,
            CacheDirectory = SharedCache,
            Storage = new Storage.StorageOptions { Location = StorePath },
            ChainId = "test",
            CallTimeout = TimeSpan.FromMinutes(10),
            MaxInstancesPerPlugin = 1,
        });
        s.Call("walpha:plugin/api.ping");
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        using var started = new CallsStarted("disposing", 4);
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            try
            {
                s.Call(CallTarget.Parse("walpha:plugin/api.spin"), [], "disposing");
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        Assert.True(started.Wait(TimeSpan.FromMinutes(1)), "the calls never started");
        Thread.Sleep(200); // past their gate: one spins, three wait for the one instance

        s.Dispose();

        // Dispose returned: every call has ended (one spinning, three waiting for the one instance).
        Assert.All(threads, t => Assert.True(t.Join(TimeSpan.Zero), "a call was still running when Dispose returned"));
        Assert.Equal(4, failures.Count);
        Assert.All(failures, e =>
        {
            var p = Assert.IsType<PluginException>(e);
            Assert.Equal(PluginErrorCode.Unavailable, p.Code);
            Assert.Contains("disposed", p.Message);
        });
        Assert.Throws<ObjectDisposedException>(() => s.Call("walpha:plugin/api.ping"));
    }
}
