using System.Diagnostics;
using System.Diagnostics.Metrics;
using Supervisor.Plugins;
using Supervisor.Storage;

namespace Supervisor.Benchmarks;

/// <summary>
/// <c>async</c>: what the library face costs per call, on walpha.ping (a WAT plugin doing no storage, so the figures are
/// the call path itself): <c>Call</c> beside <c>CallAsync</c> (awaited one at a time), <c>Call&lt;uint&gt;</c>, and
/// <c>Call</c> with a metrics and tracing listener attached beside none attached. Rounds alternate so drift hits both.
/// </summary>
public static class AsyncBench
{
    public static async Task<int> Run(string[] args)
    {
        var seconds = args.Length >= 2 && args[0] == "--seconds" ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var dir = Data.TempDir();
        try
        {
            using var s = PluginSupervisor.Create(new SupervisorOptions
            {
                PluginDirectory = PluginFiles.PluginDirectory(dir, "walpha"),
                CacheDirectory = PluginFiles.SharedCache,
                Storage = new StorageOptions { Backend = "memory" },
                ConcurrentPlugins = { "walpha" },
            });
            var target = CallTarget.Parse("walpha:plugin/api.ping");
            object?[] none = [];
            for (var i = 0; i < 2000; i++) s.Call(target, none);
            var rows = new Dictionary<string, List<double>>();
            void Add(string name, double us) => (rows.TryGetValue(name, out var l) ? l : rows[name] = []).Add(us);
            for (var round = 0; round < 3; round++)
            {
                Add("Call", Per(seconds, () => s.Call(target, none)));
                Add("CallAsync (awaited)", await PerAsync(seconds, () => s.CallAsync(target, none)));
                Add("Call<uint>", Per(seconds, () => s.Call<uint>(target, none)));
                using (Listen())
                    Add("Call, metrics and traces listened to", Per(seconds, () => s.Call(target, none)));
            }
            Console.WriteLine($"walpha.ping, µs per call ({Environment.ProcessorCount} cores; 3 alternating rounds, min-max):");
            var baseline = rows["Call"].Min();
            foreach (var (name, values) in rows)
                Console.WriteLine($"  {name,-40} {values.Min(),8:0.00} - {values.Max(),8:0.00}   best vs Call {values.Min() / baseline:0.00}");
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A meter and activity listener on the supervisor's telemetry, as an OpenTelemetry exporter would attach.</summary>
    private static IDisposable Listen()
    {
        var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Supervisor.Plugins") listener.EnableMeasurementEvents(instrument);
            },
        };
        long sink = 0;
        meters.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref sink, v));
        meters.SetMeasurementEventCallback<double>((_, _, _, _) => Interlocked.Increment(ref sink));
        meters.Start();
        var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Supervisor.Plugins",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(activities);
        return new Both(meters, activities);
    }

    private sealed class Both(IDisposable a, IDisposable b) : IDisposable
    {
        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    private static double Per(double seconds, Action body)
    {
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 200; i++) body();
            n += 200;
        }
        return sw.Elapsed.TotalMicroseconds / n;
    }

    private static async Task<double> PerAsync(double seconds, Func<Task> body)
    {
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 200; i++) await body();
            n += 200;
        }
        return sw.Elapsed.TotalMicroseconds / n;
    }
}
