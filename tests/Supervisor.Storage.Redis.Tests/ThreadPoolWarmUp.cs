using System.Runtime.CompilerServices;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>
/// Starts the thread pool with room for the contract suite's parallel synchronous Redis calls: on a 2-core machine the
/// pool starts with 2 workers and adds one about every half second, and StackExchange.Redis's synchronous calls then
/// wait on a starved pool until they time out (seen once in CI: "Timeout performing EVAL", with the answer unread in
/// the socket). This changes how soon the test process has threads, not what any test checks.
/// </summary>
internal static class ThreadPoolWarmUp
{
    [ModuleInitializer]
    internal static void Init()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
