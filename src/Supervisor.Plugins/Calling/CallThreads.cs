using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// Threads with a stack sized for a whole chain of plugin calls, for outermost calls made from threads whose stack
/// is too short (thread-pool and ASP.NET threads: about 1.5 MiB). Threads are made on demand, reused while calls
/// keep coming, and end after a while idle; the caller waits for its call, so an outermost call behaves as if it
/// ran on the caller's own thread.
/// </summary>
internal sealed class CallThreads : IDisposable
{
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);

    private readonly BlockingCollection<Work> _queue = new();
    private readonly int _stackBytes;
    private int _idle;

    public CallThreads(int stackBytes) => _stackBytes = stackBytes;

    /// <summary>The stack size of each thread.</summary>
    public int StackBytes => _stackBytes;

    /// <summary>Runs <paramref name="body"/> on one of these threads and returns its result (or rethrows its exception) on the caller's.</summary>
    public T Run<T>(Func<T> body)
    {
        var work = new Work(() => body());
        ClaimThread();
        _queue.Add(work);
        work.Done.Wait();
        work.Done.Dispose();
        work.Failure?.Throw();
        return (T)work.Result!;
    }

    /// <summary>Claims an idle thread for one piece of work, or starts one: never more work queued than threads to take it.</summary>
    private void ClaimThread()
    {
        while (true)
        {
            var idle = Volatile.Read(ref _idle);
            if (idle == 0)
            {
                new Thread(Serve, _stackBytes) { IsBackground = true, Name = "supervisor call" }.Start();
                return;
            }
            if (Interlocked.CompareExchange(ref _idle, idle - 1, idle) == idle) return;
        }
    }

    private void Serve()
    {
        while (true)
        {
            if (!_queue.TryTake(out var work, IdleLifetime))
            {
                if (_queue.IsAddingCompleted) return;
                // Idle for a while: retire, unless this is the last idle thread or a caller has just claimed it.
                var idle = Volatile.Read(ref _idle);
                if (idle > 1 && Interlocked.CompareExchange(ref _idle, idle - 1, idle) == idle) return;
                continue;
            }
            try
            {
                work.Result = work.Body();
            }
            catch (Exception e)
            {
                work.Failure = ExceptionDispatchInfo.Capture(e);
            }
            Interlocked.Increment(ref _idle);
            work.Done.Set();
        }
    }

    public void Dispose() => _queue.CompleteAdding();

    private sealed class Work(Func<object?> body)
    {
        public Func<object?> Body { get; } = body;
        public ManualResetEventSlim Done { get; } = new();
        public object? Result { get; set; }
        public ExceptionDispatchInfo? Failure { get; set; }
    }
}
