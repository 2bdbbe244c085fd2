using System.Diagnostics;

namespace Supervisor.Plugins.Tests.Hosting;

/// <summary>
/// Signals once <c>count</c> calls made by one app have started inside the supervisor (their spans start, after the
/// call's gate and before it takes a turn or an instance). Tests order their steps by it instead of by sleeping after
/// starting a thread or a task, which a loaded machine may run late.
/// </summary>
internal sealed class CallsStarted : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ManualResetEventSlim _all = new();
    private int _left;

    public CallsStarted(string app, int count = 1)
    {
        _left = count;
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Supervisor.Plugins",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = a =>
            {
                if (a.GetTagItem("supervisor.app") as string == app && Interlocked.Decrement(ref _left) == 0) _all.Set();
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>True once the calls have started, false when <paramref name="timeout"/> passed first.</summary>
    public bool Wait(TimeSpan timeout) => _all.Wait(timeout);

    public void Dispose()
    {
        _listener.Dispose();
        _all.Dispose();
    }
}
