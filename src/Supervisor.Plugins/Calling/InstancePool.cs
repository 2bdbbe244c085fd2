using Supervisor.Plugins.Loading;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// The instances of one loaded plugin. Calls take an idle instance (or make one, up to the configured maximum), so no
/// store is ever entered by two threads and a call into a busy plugin from another thread never deadlocks on it.
/// </summary>
internal sealed class InstancePool(LoadedPlugin plugin, int maxInstances) : IDisposable
{
    private readonly object _gate = new();
    private readonly Stack<PluginInstance> _idle = new();
    private int _count;
    private bool _disposed;
    private bool _interrupted;

    public LoadedPlugin Plugin { get; } = plugin;

    /// <summary>An instance for one call; waits while all allowed instances are busy, and makes one with <paramref name="make"/> when none is idle.</summary>
    public PluginInstance Rent(DateTime deadline, CancellationToken cancellation, Func<PluginInstance> make)
    {
        // A cancelled wait wakes at once (the waiters are pulsed), not at the deadline.
        using var wake = cancellation.CanBeCanceled ? cancellation.Register(() => { lock (_gate) Monitor.PulseAll(_gate); }) : default;
        lock (_gate)
        {
            while (true)
            {
                if (cancellation.IsCancellationRequested)
                    throw new PluginException(PluginErrorCode.Cancelled, $"the call was cancelled while it waited for an instance of plugin \"{Plugin.Service}\"");
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_interrupted)
                    throw new PluginException(PluginErrorCode.Unavailable, "the supervisor was disposed while the call waited for an instance");
                if (_idle.TryPop(out var idle)) return idle;
                if (_count < maxInstances)
                {
                    _count++;
                    break;
                }
                var wait = deadline - DateTime.UtcNow;
                if (wait <= TimeSpan.Zero || (!Monitor.Wait(_gate, wait) && !cancellation.IsCancellationRequested))
                    throw new PluginException(PluginErrorCode.Timeout,
                        $"all {maxInstances} instances of plugin \"{Plugin.Service}\" stayed busy until the call's time limit");
            }
        }
        try
        {
            return make();
        }
        catch
        {
            lock (_gate)
            {
                _count--;
                Monitor.Pulse(_gate);
            }
            throw;
        }
    }

    /// <summary>Returns an instance after a call; a poisoned one is discarded so the next call gets a fresh one.</summary>
    public void Return(PluginInstance instance)
    {
        lock (_gate)
        {
            if (instance.IsPoisoned || _disposed)
            {
                _count--;
                instance.Dispose();
            }
            else
            {
                _idle.Push(instance);
            }
            Monitor.Pulse(_gate);
        }
    }

    /// <summary>Ends every wait for an instance (the supervisor is being disposed); later rents fail.</summary>
    public void Interrupt()
    {
        lock (_gate)
        {
            _interrupted = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            while (_idle.TryPop(out var i)) i.Dispose();
            Monitor.PulseAll(_gate);
        }
        Plugin.Dispose();
    }
}
