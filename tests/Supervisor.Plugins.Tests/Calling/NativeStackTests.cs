using Supervisor.Plugins.Calling;
using Supervisor.Plugins.Hosting;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>
/// A chain of plugin calls piles each store's wasm stack onto one native thread: the supervisor budgets the native
/// stack instead of letting the process die of a stack overflow, whatever thread the app calls from.
/// </summary>
public sealed class NativeStackTests : PluginTestBase
{
    private static string Deep(string service, string next, bool last) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "hostile", "wdeep.wat"))
            .Replace("SERVICE", service).Replace("NEXT", next).Replace("LAST", last ? "1" : "0");

    /// <summary>A plugin directory with d1 -> d2 -> ... -> d<paramref name="length"/>.</summary>
    private string Chain(int length)
    {
        var dir = Dir.File($"chain-{length}");
        for (var i = 1; i <= length; i++)
        {
            Directory.CreateDirectory(Path.Combine(dir, $"d{i}"));
            var last = i == length;
            File.WriteAllText(Path.Combine(dir, $"d{i}", "plugin.wat"), Deep($"d{i}", last ? "d1" : $"d{i + 1}", last));
        }
        return dir;
    }

    /// <summary>The deepest recursion one plugin can make within its wasm stack (more overflows it: a clean trap).</summary>
    private static uint Calibrate(PluginSupervisor s, string target)
    {
        uint ok = 1, bad = 1_000_000;
        while (bad - ok > 1)
        {
            var mid = ok + (bad - ok) / 2;
            try
            {
                s.Call(target, mid, 0u);
                ok = mid;
            }
            catch (PluginException e) when (e.Code == PluginErrorCode.Trap && e.Message.Contains("overflowed its stack", StringComparison.Ordinal))
            {
                bad = mid;
            }
        }
        return ok;
    }

    [Fact, Rule("PDP-LIMIT-8")]
    public void Remaining_OnAThreadOfKnownSize_IsWithinItAndShrinksAsItIsUsed()
    {
        long outer = 0, inner = 0;
        var thread = new Thread(() =>
        {
            outer = NativeStack.Remaining();
            inner = Recurse(50);
        }, 1024 * 1024);
        thread.Start();
        thread.Join();

        Assert.InRange(outer, 512 * 1024, 1024 * 1024);
        Assert.InRange(inner, 1, outer - 50 * 64);
    }

    private static long Recurse(int n)
    {
        Span<byte> pad = stackalloc byte[64];
        pad[0] = (byte)n;
        return n == 0 ? NativeStack.Remaining() + pad[0] : Recurse(n - 1);
    }

    [Fact, Rule("PDP-LIMIT-8", "PDP-SEC-4")]
    public void AChainOfStackHungryPlugins_AtTheDepthLimit_RunsFromAnyThread()
    {
        var depth = new SupervisorOptions().MaxCallDepth;
        var plugins = Chain(depth);
        var s = NewSupervisor(o => o.PluginDirectory = plugins);
        // Each plugin spends 90% of its wasm stack before calling the next: together far more than any thread's stack.
        var frames = Calibrate(s, $"d{depth}:plugin/api.dive") * 9 / 10;
        Assert.True(frames > 100, $"one plugin's wasm stack held only {frames} frames");
        var calls = (uint)(depth - 1);

        // In child processes, so that a regression shows as a failed assertion, not as this test process dying.
        Assert.Equal($"ok {calls}", RunPluginWorker(plugins, "--thread-stack", (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture), "d1:plugin/api.dive", frames.ToString(), calls.ToString()));
        Assert.Equal($"ok {calls}", RunPluginWorker(plugins, "d1:plugin/api.dive", frames.ToString(), calls.ToString()));
        // In this process too, from the test's own (thread-pool) thread, and again on the same supervisor.
        Assert.Equal(calls, s.Call("d1:plugin/api.dive", frames, calls));
        Assert.Equal(calls, s.Call("d1:plugin/api.dive", frames, calls));
    }

    [Fact, Rule("PDP-LIMIT-8")]
    public void WhenTheThreadIsShort_TheNextCallInTheChainTrapsNamingTheNativeStack()
    {
        var depth = new SupervisorOptions().MaxCallDepth;
        var plugins = Chain(depth);
        var s = NewSupervisor(o => o.PluginDirectory = plugins);
        var frames = Calibrate(s, $"d{depth}:plugin/api.dive") * 9 / 10;
        ((SupervisorHost)s).Dispatcher.UseCallThreads = false;
        PluginException? failure = null;
        var thread = new Thread(() => failure = Assert.Throws<PluginException>(() => s.Call("d1:plugin/api.dive", frames, (uint)(depth - 1))), 1024 * 1024);
        thread.Start();
        thread.Join();

        Assert.NotNull(failure);
        Assert.Equal(PluginErrorCode.CallDepth, failure.Code);
        Assert.Contains("KiB of native stack", failure.Message);
        Assert.Contains("d1 -> d2", failure.Message);
        Assert.Equal(0u, s.Call($"d{depth}:plugin/api.dive", 10u, 0u));
    }
}
