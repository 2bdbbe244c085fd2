using System.Diagnostics;
using System.Globalization;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// Fills one bucket with many keys (set-many batches: setup), then lists every key through the
/// store, 1000 per page, and reports memory growth while listing: managed heap
/// (GC.GetTotalMemory(true) before/after, sampled peak) and the process working set (sampled peak).
/// </summary>
public static class ListMemory
{
    public static int Run(string[] args)
    {
        var keys = 1_000_000;
        var pageSize = 1000;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--keys") keys = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else if (args[i] == "--page") pageSize = int.Parse(args[++i], CultureInfo.InvariantCulture);
            else
            {
                Console.Error.WriteLine($"unknown argument {args[i]}; usage: list-memory [--keys N (default 1000000)] [--page N (default 1000)]");
                return 2;
            }
        }
        var dir = Data.TempDir();
        try
        {
            var path = Path.Combine(dir, "store.db");
            // Quotas off: 1M records exceed the default 100,000-item quota.
            using var store = KeyValueStore.Create(new StorageOptions { Location = path, Limits = new StorageLimits { QuotaBytes = 0, QuotaItems = 0 } });
            using var session = store.OpenSession();
            using var op = session.BeginOperation();
            var bucket = op.OpenBucket(Data.Chain, DbMode.NonTransactional, StorageDuration.Persistent, "lister", "big");

            var fill = Stopwatch.StartNew();
            var value = new byte[16];
            var batch = new List<KeyValuePair<string, byte[]>>(1000);
            for (var i = 0; i < keys; i++)
            {
                batch.Add(new($"user/{i % 97:D2}/item-{i:D8}", value));
                if (batch.Count == 1000 || i == keys - 1)
                {
                    bucket.SetMany(batch);
                    batch.Clear();
                }
            }
            fill.Stop();
            var dbBytes = new FileInfo(path).Length + (File.Exists(path + "-wal") ? new FileInfo(path + "-wal").Length : 0);
            Console.WriteLine($"filled {keys:N0} keys (16 B values) in {fill.Elapsed.TotalSeconds:F1} s via SetMany(1000); store file + WAL {dbBytes / 1048576.0:F1} MiB");

            // Warm the listing path once on a small page so JIT and the statement cache are not counted.
            _ = bucket.ListKeys(null, 10);
            batch = null;
            var managedBefore = GC.GetTotalMemory(forceFullCollection: true);
            var proc = Process.GetCurrentProcess();
            proc.Refresh();
            var wsBefore = proc.WorkingSet64;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

            long peakWs = wsBefore, peakManaged = managedBefore;
            using var done = new ManualResetEventSlim();
            var sampler = new Thread(() =>
            {
                using var p = Process.GetCurrentProcess();
                while (!done.Wait(5))
                {
                    p.Refresh();
                    peakWs = Math.Max(peakWs, p.WorkingSet64);
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                }
            }) { IsBackground = true, Name = "memory sampler" };
            sampler.Start();

            var sw = Stopwatch.StartNew();
            long listed = 0;
            var pages = 0;
            byte[]? cursor = null;
            string? previous = null;
            var ordered = true;
            do
            {
                var page = bucket.ListKeys(cursor, pageSize);
                listed += page.Keys.Count;
                pages++;
                if (page.Keys.Count > 0)
                {
                    if (previous is not null && Keys.Utf8Order.Compare(previous, page.Keys[0]) >= 0) ordered = false;
                    previous = page.Keys[^1];
                }
                cursor = page.Cursor;
            }
            while (cursor is not null);
            sw.Stop();
            done.Set();
            sampler.Join();

            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var managedAfter = GC.GetTotalMemory(forceFullCollection: true);
            proc.Refresh();
            var wsAfter = proc.WorkingSet64;
            const double MiB = 1048576.0;
            Console.WriteLine($"listed {listed:N0} keys in {pages:N0} pages of {pageSize} in {sw.Elapsed.TotalSeconds:F2} s ({listed / sw.Elapsed.TotalSeconds:N0} keys/s); order ok: {ordered}; complete: {listed == keys}");
            Console.WriteLine();
            Console.WriteLine("| measure | MiB |");
            Console.WriteLine("| --- | ---: |");
            Console.WriteLine($"| managed heap before (GC.GetTotalMemory(true)) | {managedBefore / MiB:F1} |");
            Console.WriteLine($"| managed heap after (GC.GetTotalMemory(true)) | {managedAfter / MiB:F1} |");
            Console.WriteLine($"| managed growth after - before | {(managedAfter - managedBefore) / MiB:F1} |");
            Console.WriteLine($"| managed peak during listing - before (sampled, includes garbage) | {(peakManaged - managedBefore) / MiB:F1} |");
            Console.WriteLine($"| working set before | {wsBefore / MiB:F1} |");
            Console.WriteLine($"| working set peak during listing (sampled every 5 ms) | {peakWs / MiB:F1} |");
            Console.WriteLine($"| working set growth peak - before | {(peakWs - wsBefore) / MiB:F1} |");
            Console.WriteLine($"| working set after | {wsAfter / MiB:F1} |");
            Console.WriteLine($"| allocated during listing (churn, not retained) | {allocated / MiB:F1} |");
            var growth = Math.Max(peakWs - wsBefore, managedAfter - managedBefore) / MiB;
            Console.WriteLine();
            Console.WriteLine($"target: growth under 32 MiB -> {(growth < 32 ? "met" : "MISSED")} ({growth:F1} MiB)");
            return listed == keys && ordered ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
