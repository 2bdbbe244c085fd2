// A child process for the plugin tests: a second process on the same store file.
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--thread-stack BYTES] [--caller APP] <service:plugin/iface.fn> [json-arg ...]
// --thread-stack makes the call from a new thread with that stack size (as an app's small-stack thread would).
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> --fuzz CALLS SEED
// calls wfuzz:plugin/api.poke CALLS times with seeds from SEED (each poke calls one host function with random core
// arguments) and prints one line: fuzz calls=N ok=N <code>=N ... escaped=N managed-kib=BEFORE->AFTER rss-kib=BEFORE->AFTER.
// Exit code 0 when every failure was a PluginException (none escaped as another type).
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> --repeat CALLS THREADS <target> [json-arg ...]
// makes CALLS calls (one operation each) from each of THREADS threads and prints "repeat ok=N failed=N" (exit 1 on a failure).
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> --hold <target>
// calls the target (a function without parameters) inside an operation it never ends (so it keeps the plugin's turn), prints "holding", and waits to be killed.
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--timeout MS] --cross <first> <second> <go-file>
// calls first inside an operation (taking its plugin's turn), prints "holding", waits until go-file exists, calls second in
// the same operation and prints "ok ..." or "error <code> <message>" (functions without parameters).
//   Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--timeout MS] --twice <go-file> <target> <text> <text>
// calls target (taking one string) with the first text inside an operation (keeping the plugin's turn), prints "holding", waits until go-file
// exists, calls it with the second in the same operation and prints "ok" or "error <code> <message>".
// <store> may be a redis:// location.
// Calls the function once (one operation) with JSON arguments (list<u8> as base64) and prints one line:
//   ok <result as JSON>            (null for a function without a result)
//   error <PluginErrorCode> <message>   exit code 1
using System.Text.Encodings.Web;
using System.Text.Json;
using Supervisor.Plugins;
using Supervisor.Storage;
using Supervisor.Storage.Redis;

if (args.Length < 5)
{
    Console.Error.WriteLine("usage: Supervisor.Plugins.Worker <plugin-dir> <cache-dir> <store> <chain> [--caller APP] <target> [json-arg ...]");
    return 2;
}

var rest = args[4..];
int? threadStack = null;
if (rest.Length >= 2 && rest[0] == "--thread-stack")
{
    threadStack = int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture);
    rest = rest[2..];
}
if (rest.Length == 3 && rest[0] == "--fuzz")
{
    using var fuzzed = PluginSupervisor.Create(new SupervisorOptions
    {
        PluginDirectory = args[0],
        CacheDirectory = args[1],
        Storage = StorageAt(args[2]),
        ChainId = args[3],
    });
    return Fuzz(fuzzed, long.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture), int.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture));
}
TimeSpan? timeout = null;
if (rest.Length >= 2 && rest[0] == "--timeout")
{
    timeout = TimeSpan.FromMilliseconds(int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture));
    rest = rest[2..];
}
string? caller = null;
if (rest.Length >= 2 && rest[0] == "--caller")
{
    caller = rest[1];
    rest = rest[2..];
}
if (rest.Length == 0)
{
    Console.Error.WriteLine("no target given");
    return 2;
}

using var supervisor = PluginSupervisor.Create(new SupervisorOptions
{
    PluginDirectory = args[0],
    CacheDirectory = args[1],
    Storage = StorageAt(args[2]),
    ChainId = args[3],
    CallTimeout = timeout ?? new SupervisorOptions().CallTimeout,
});
if (rest.Length >= 4 && rest[0] == "--repeat")
{
    var calls = int.Parse(rest[1], System.Globalization.CultureInfo.InvariantCulture);
    var threads = int.Parse(rest[2], System.Globalization.CultureInfo.InvariantCulture);
    var repeatTarget = CallTarget.Parse(rest[3]);
    var repeatArgs = rest[4..].Select(a => JsonDocument.Parse(a).RootElement.Clone()).ToList();
    long ok = 0, failed = 0;
    var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
    {
        for (var i = 0; i < calls; i++)
        {
            try
            {
                supervisor.CallJson(repeatTarget, repeatArgs);
                Interlocked.Increment(ref ok);
            }
            catch (PluginException e)
            {
                if (Interlocked.Increment(ref failed) <= 3) Console.Error.WriteLine($"error {e.Code} {e.Message.ReplaceLineEndings(" ")}");
            }
        }
    })).ToList();
    workers.ForEach(t => t.Start());
    workers.ForEach(t => t.Join());
    Console.Out.WriteLine($"repeat ok={ok} failed={failed}");
    return failed == 0 ? 0 : 1;
}
if (rest.Length >= 2 && rest[0] == "--hold")
{
    var held = supervisor.BeginOperation(caller);
    held.Call(CallTarget.Parse(rest[1]), []);
    Console.Out.WriteLine("holding");
    Thread.Sleep(Timeout.Infinite);
    return 0;
}
if (rest.Length == 4 && rest[0] == "--cross")
{
    using var crossing = supervisor.BeginOperation(caller);
    crossing.Call(CallTarget.Parse(rest[1]), []);
    Console.Out.WriteLine("holding");
    return AfterGo(rest[3], crossing, () => crossing.Call(CallTarget.Parse(rest[2]), []));
}
if (rest.Length == 5 && rest[0] == "--twice")
{
    using var twice = supervisor.BeginOperation(caller);
    var twiceTarget = CallTarget.Parse(rest[2]);
    twice.Call(twiceTarget, [rest[3]]);
    Console.Out.WriteLine("holding");
    return AfterGo(rest[1], twice, () => twice.Call(twiceTarget, [rest[4]]));
}
var jsonArgs = rest[1..].Select(a => JsonDocument.Parse(a).RootElement.Clone()).ToList();
var code = 0;
void Call()
{
    try
    {
        var result = supervisor.CallJson(CallTarget.Parse(rest[0]), jsonArgs, caller);
        Console.Out.WriteLine("ok " + (result?.ToJsonString(new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null"));
    }
    catch (PluginException e)
    {
        Console.Out.WriteLine($"error {e.Code} {e.Message.ReplaceLineEndings(" ")}");
        code = 1;
    }
}
if (threadStack is { } size)
{
    var thread = new Thread(Call, size);
    thread.Start();
    thread.Join();
}
else
{
    Call();
}
return code;

// Waits until go-file exists, then makes the call and completes the operation: prints "ok", or "error <code> <message>" (exit 1).
static int AfterGo(string goFile, PluginOperation operation, Action call)
{
    while (!File.Exists(goFile)) Thread.Sleep(10);
    try
    {
        call();
        operation.Complete();
        Console.Out.WriteLine("ok");
        return 0;
    }
    catch (PluginException e)
    {
        Console.Out.WriteLine($"error {e.Code} {e.Message.ReplaceLineEndings(" ")}");
        return 1;
    }
}

// A SQLite file path, or a redis:// location.
static StorageOptions StorageAt(string location)
{
    var options = new StorageOptions { Location = location };
    RedisBackend.Register(options.Registry);
    return options;
}

static int Fuzz(PluginSupervisor supervisor, long calls, int seed)
{
    var random = new Random(seed);
    var outcomes = new SortedDictionary<string, long>(StringComparer.Ordinal);
    long escaped = 0;
    long managedBefore = 0, rssBefore = 0;
    for (long i = 0; i < calls; i++)
    {
        if (i == Math.Min(1000, calls / 2))
        {
            // Measured after a warm-up: instances, adapters and caches exist by then.
            managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            rssBefore = Environment.WorkingSet;
        }
        string outcome;
        try
        {
            supervisor.Call("wfuzz:plugin/api.poke", (ulong)random.NextInt64());
            outcome = "ok";
        }
        catch (PluginException e)
        {
            outcome = e.Code.ToString();
        }
        catch (Exception e)
        {
            escaped++;
            outcome = "escaped";
            if (escaped <= 5) Console.Error.WriteLine($"call {i}: {e.GetType().FullName}: {e.Message}");
        }
        outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
    }
    var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
    var rssAfter = Environment.WorkingSet;
    Console.Out.WriteLine($"fuzz calls={calls} {string.Join(' ', outcomes.Select(o => $"{o.Key}={o.Value}"))} escaped={escaped} " +
        $"managed-kib={managedBefore / 1024}->{managedAfter / 1024} rss-kib={rssBefore / 1024}->{rssAfter / 1024}");
    return escaped == 0 ? 0 : 1;
}
