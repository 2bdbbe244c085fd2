// A child process for the storage tests: several of these share one SQLite store file.
//   increment <db> <n>           n increments of counter "counter"; prints the values it got, then "done"
//   cas <db> <n>                 n compare-and-swap increments of key "cas"; prints "done <retries>"
//   quota-fill <db> <n> <items> <tag>  n distinct inserts under a record quota; prints "ok <succeeded>"
//   crash-writer <db>            writes forever; after each write returns prints "<key> <value>" and flushes
//   hold-turn <db>               takes the turn of "alpha" on chain "c" from the backend, prints "held <token>", waits to be killed
//   turn-increment <db> <n> <go> prints "ready", waits for the file <go>, then n times: takes the turn of "alpha", reads
//                                "plain", writes it plus one (no atomic step), releases; prints "done"
// Records live on chain "c", service "alpha", bucket "b", non-transactional, persistent.
// <db> is a SQLite file path, or a redis:// location (several processes sharing one Redis).
using System.Globalization;
using System.Text;
using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Storage.Redis;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: Supervisor.Storage.Worker increment|cas|turn-increment|quota-fill|crash-writer|hold-turn <db> [args]");
    return 2;
}

var registry = BackendRegistry.CreateDefault();
RedisBackend.Register(registry);
var mode = args[0];
var db = args[1];
if (mode == "hold-turn")
{
    var backend = registry.Create(new StorageOptions { Location = db, Registry = registry });
    var turn = backend.LockTurn("c", "alpha", DateTime.UtcNow.AddMinutes(1), default);
    Console.Out.WriteLine($"held {turn?.FencingToken ?? 0}");
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite);
}
var limits = new StorageLimits();
if (mode == "quota-fill") limits.QuotaItems = long.Parse(args[3], CultureInfo.InvariantCulture);
if (mode == "crash-writer") (limits.QuotaBytes, limits.QuotaItems) = (0, 0); // it writes until killed
using var store = KeyValueStore.Create(new StorageOptions { Location = db, Limits = limits, Registry = registry });
using var session = store.OpenSession();
using var op = session.BeginOperation();
var bucket = op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, "alpha", "b");
var stdout = Console.Out;

switch (mode)
{
    case "increment":
    {
        var n = int.Parse(args[2], CultureInfo.InvariantCulture);
        var got = new long[n];
        for (var i = 0; i < n; i++) got[i] = bucket.Increment("counter", 1);
        stdout.WriteLine(string.Join(' ', got));
        stdout.WriteLine("done");
        break;
    }
    case "cas":
    {
        var n = int.Parse(args[2], CultureInfo.InvariantCulture);
        var retries = 0;
        for (var i = 0; i < n; i++)
        {
            while (true)
            {
                var current = bucket.Get("cas");
                var value = current is null ? 0 : long.Parse(Encoding.UTF8.GetString(current), CultureInfo.InvariantCulture);
                if (bucket.CompareAndSwap("cas", current, Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)))) break;
                retries++;
            }
        }
        stdout.WriteLine($"done {retries}");
        break;
    }
    case "turn-increment":
    {
        var n = int.Parse(args[2], CultureInfo.InvariantCulture);
        stdout.WriteLine("ready");
        stdout.Flush();
        while (!File.Exists(args[3])) Thread.Sleep(1);
        for (var i = 0; i < n; i++)
        {
            using var turn = store.NewTurnHolder("worker", TimeSpan.FromMinutes(1));
            turn.Enter("c", "alpha", DateTime.UtcNow.AddMinutes(1));
            var current = bucket.Get("plain");
            var value = current is null ? 0 : long.Parse(Encoding.UTF8.GetString(current), CultureInfo.InvariantCulture);
            bucket.Set("plain", Encoding.UTF8.GetBytes((value + 1).ToString(CultureInfo.InvariantCulture)));
        }
        stdout.WriteLine("done");
        break;
    }
    case "quota-fill":
    {
        var n = int.Parse(args[2], CultureInfo.InvariantCulture);
        var tag = args[4];
        var ok = 0;
        for (var i = 0; i < n; i++)
        {
            try
            {
                bucket.Set($"q-{tag}-{i}", "x"u8);
                ok++;
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.QuotaExceeded)
            {
            }
        }
        stdout.WriteLine($"ok {ok}");
        break;
    }
    case "crash-writer":
    {
        var random = new Random();
        stdout.WriteLine("ready");
        stdout.Flush();
        for (var i = 0; ; i++)
        {
            if (i % 5 == 4)
            {
                var c = bucket.Increment("counter", 1);
                stdout.Write($"counter {c}\n");
            }
            else
            {
                // Values of varied size (some span several WAL pages); hex text so a line is "<key> <value>".
                var bytes = new byte[random.Next(0, 3000)];
                random.NextBytes(bytes);
                var key = $"k{i}";
                var value = Convert.ToHexString(bytes);
                bucket.Set(key, Encoding.ASCII.GetBytes(value));
                stdout.Write($"{key} {value}\n");
            }
            stdout.Flush();
        }
    }
    default:
        Console.Error.WriteLine($"unknown mode \"{mode}\"");
        return 2;
}

op.Commit();
return 0;
