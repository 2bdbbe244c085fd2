using System.Text.Json;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>Async calls and cancellation (PDP-OP-4): a cancelled call stops the plugin where it runs and ends its waits.</summary>
public sealed class CancellationTests : PluginTestBase
{
    private const string Alpha = "walpha:plugin/api";

    private PluginSupervisor New(Action<SupervisorOptions>? configure = null) => NewSupervisor(o =>
    {
        // Far past any cancellation here: a call stopped by its time limit would not prove cancellation stopped it.
        o.CallTimeout = TimeSpan.FromSeconds(60);
        configure?.Invoke(o);
    });

    [Fact, Rule("PDP-OP-4")]
    public async Task CallAsync_ReturnsWhatCallReturns()
    {
        var s = New();
        Assert.Null(await s.CallAsync($"{Alpha}.set", ["k", B("v")]));
        Assert.Equal(B("v"), await s.CallAsync($"{Alpha}.get", ["k"]));
        var json = await s.CallJsonAsync(CallTarget.Parse($"{Alpha}.get"), [JsonSerializer.SerializeToElement("k")], bytes: ByteListFormat.Text);
        Assert.Equal("\"v\"", json!.ToJsonString());
    }

    [Fact, Rule("PDP-OP-4")]
    public void CancellingARunningCall_StopsThePlugin_AndItAnswersTheNextCall()
    {
        var s = New();
        s.Call($"{Alpha}.ping"); // an idle instance and the recorded turn mode, so spin enters the plugin right after its span starts
        using var cts = new CancellationTokenSource();
        using var started = new CallsStarted("spinner");
        var spin = s.CallAsync(CallTarget.Parse($"{Alpha}.spin"), [], "spinner", cts.Token);
        // A loaded thread pool may start the task late; cancelled before it runs, the call would prove nothing here.
        Assert.True(started.Wait(TimeSpan.FromMinutes(1)), "the call never started");
        Thread.Sleep(300);
        Assert.False(spin.IsCompleted, "spin ended by itself");
        cts.Cancel();
        var e = WithinHangGuard(() => Record.Exception(() => spin.GetAwaiter().GetResult()), "the cancelled call did not end");
        var cancelled = Assert.IsAssignableFrom<OperationCanceledException>(e);
        Assert.Equal(cts.Token, cancelled.CancellationToken);
        var inner = Assert.IsType<PluginException>(cancelled.InnerException);
        Assert.Equal(PluginErrorCode.Cancelled, inner.Code);
        Assert.Contains("was cancelled and the plugin was stopped", inner.Message);
        Assert.Equal(1u, s.Call($"{Alpha}.ping"));
    }

    [Fact, Rule("PDP-OP-4")]
    public void CancellingAWaitForAnInstance_EndsIt()
    {
        var s = New(o =>
        {
            o.MaxInstancesPerPlugin = 1;
            o.ConcurrentPlugins.Add("walpha");
        });
        s.Call($"{Alpha}.ping"); // the one instance exists, so spin takes it right after its span starts
        using var first = new CancellationTokenSource();
        using var spinning = new CallsStarted("spinner");
        var spin = s.CallAsync(CallTarget.Parse($"{Alpha}.spin"), [], "spinner", first.Token);
        Assert.True(spinning.Wait(TimeSpan.FromMinutes(1)), $"spin never started: {spin.Status} {spin.Exception}");
        Thread.Sleep(300);
        using var second = new CancellationTokenSource();
        using var started = new CallsStarted("waiter");
        var waiting = s.CallAsync(CallTarget.Parse($"{Alpha}.ping"), [], "waiter", second.Token);
        Assert.True(started.Wait(TimeSpan.FromMinutes(1)), $"the call never started: {waiting.Status} {waiting.Exception} spin {spin.Status} {spin.Exception}");
        Thread.Sleep(200);
        Assert.False(waiting.IsCompleted);
        second.Cancel();
        var e = WithinHangGuard(() => Record.Exception(() => waiting.GetAwaiter().GetResult()), "the wait did not end");
        var inner = Assert.IsType<PluginException>(Assert.IsAssignableFrom<OperationCanceledException>(e).InnerException);
        Assert.Contains("waited for an instance", inner.Message);
        Assert.False(spin.IsCompleted);
        first.Cancel();
        Assert.IsAssignableFrom<OperationCanceledException>(WithinHangGuard(() => Record.Exception(() => spin.GetAwaiter().GetResult()), "spin did not end"));
    }

    [Fact, Rule("PDP-OP-4", "PDP-TURN-1")]
    public void CancellingAWaitForAPluginsTurn_EndsIt()
    {
        var s = New();
        using var holder = s.BeginOperation();
        holder.Call($"{Alpha}.set", "k", B("held"));
        using var cts = new CancellationTokenSource();
        using var started = new CallsStarted("turnwait");
        var waiting = s.CallAsync(CallTarget.Parse($"{Alpha}.get"), ["k"], "turnwait", cts.Token);
        // Cancelled once the call has entered the plugin (its span starts just before it takes the turn): a loaded
        // thread pool may start the task late, and a call cancelled before it starts proves nothing here.
        Assert.True(started.Wait(TimeSpan.FromMinutes(1)), "the call never started");
        Thread.Sleep(200);
        Assert.False(waiting.IsCompleted);
        cts.Cancel();
        var e = WithinHangGuard(() => Record.Exception(() => waiting.GetAwaiter().GetResult()), "the wait for the turn did not end");
        var inner = Assert.IsType<PluginException>(Assert.IsAssignableFrom<OperationCanceledException>(e).InnerException);
        Assert.True(inner.Message.Contains("waited for the plugin's turn", StringComparison.Ordinal), inner.Message);
        holder.Complete();
        Assert.Equal(B("held"), s.Call($"{Alpha}.get", "k"));
    }

    [Fact, Rule("PDP-OP-4")]
    public async Task ACallCancelledBeforeItStarts_RunsNothing()
    {
        var s = New();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => s.CallAsync($"{Alpha}.set", ["k", B("never")], cancellationToken: cts.Token));
        Assert.Null(ClientDataRecord(s, "walpha", "k"));
    }

    [Fact, Rule("PDP-LIMIT-5")]
    public void ATimeLimit_StillStopsALoop_InSlices()
    {
        var s = NewSupervisor(o => o.CallTimeout = TimeSpan.FromMilliseconds(700));
        var e = WithinHangGuard(() => Assert.Throws<PluginException>(() => s.Call($"{Alpha}.spin")), "the time limit did not stop the loop");
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
    }
}
