using System.Diagnostics;
using System.Diagnostics.Metrics;
using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// Metrics and traces through the platform's own APIs (no SDK): the meter and activity source named
/// <see cref="Name"/>. Tags carry chain, plugin, function and interface names, bucket kinds and error codes only, never
/// keys, values, bucket names or arguments (plugins keep private keys in them). With no listener attached each hook costs
/// a flag test.
/// </summary>
internal static class Telemetry
{
    /// <summary>The name of the meter and the activity source: what an app subscribes to (OpenTelemetry's AddMeter/AddSource).</summary>
    public const string Name = "Supervisor.Plugins";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Calls by plugin, function and outcome (<c>ok</c> or the error code), nested calls included.</summary>
    public static readonly Counter<long> Calls = Meter.CreateCounter<long>("supervisor.calls", description: "plugin calls by plugin, function and outcome");

    /// <summary>Call duration by plugin and outcome, in seconds.</summary>
    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("supervisor.call.duration", "s", "plugin call duration");

    /// <summary>Time waiting for a plugin's turn, in seconds.</summary>
    public static readonly Histogram<double> TurnWait = Meter.CreateHistogram<double>("supervisor.turn.wait", "s", "time a call waited for its plugin's turn");

    /// <summary>Time waiting for (or making) an instance, in seconds.</summary>
    public static readonly Histogram<double> InstanceWait = Meter.CreateHistogram<double>("supervisor.instance.wait", "s", "time a call waited for a plugin instance");

    /// <summary>Plugin loads (compile or cache hit, import check, link), in seconds.</summary>
    public static readonly Histogram<double> LoadDuration = Meter.CreateHistogram<double>("supervisor.plugin.load.duration", "s", "plugin load duration");

    /// <summary>
    /// Bytes of keys and values each owner keeps, by chain and owner (the plugin charged, its clientdata records
    /// included): read from the store's own usage table, the one quotas are checked against, when a collector asks.
    /// </summary>
    public static readonly ObservableGauge<long> StorageBytes =
        Meter.CreateObservableGauge("supervisor.storage.bytes", ObserveStorage, "By", "bytes of keys and values kept, by chain and owner");

    // The stores the gauge reads, by chain: one entry however many supervisors share a store and chain (counted, so
    // the last one to stop watching removes it), so no owner is reported twice.
    private static readonly Dictionary<(KeyValueStore Store, string Chain), int> Watched = new();

    /// <summary>Reports <paramref name="store"/>'s usage on <paramref name="chain"/> through <see cref="StorageBytes"/> until the result is disposed.</summary>
    public static IDisposable WatchStorage(KeyValueStore store, string chain)
    {
        var key = (store, chain);
        lock (Watched) Watched[key] = Watched.GetValueOrDefault(key) + 1;
        return new StorageWatch(key);
    }

    private sealed class StorageWatch((KeyValueStore, string) key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            lock (Watched)
            {
                if (Watched[key] <= 1) Watched.Remove(key);
                else Watched[key]--;
            }
        }
    }

    private static List<Measurement<long>> ObserveStorage()
    {
        var measurements = new List<Measurement<long>>();
        (KeyValueStore Store, string Chain)[] watched;
        lock (Watched) watched = [.. Watched.Keys];
        // The store is read outside the lock: a slow backend must not hold up supervisors starting or stopping.
        foreach (var (store, chain) in watched)
        {
            try
            {
                foreach (var owner in store.ListServices(chain))
                    measurements.Add(new(owner.Bytes, Tag("chain", chain), Tag("owner", owner.Name)));
            }
            catch (Exception e) when (e is StorageException or ObjectDisposedException)
            {
                // A store that fails to answer (or was closed while being read) is left out of this collection only;
                // its failure surfaces where calls use it, not inside a metrics exporter.
            }
        }
        return measurements;
    }

    /// <summary>The name prefix of storage spans (<c>storage get</c>, <c>storage set</c>, ...).</summary>
    private const string StoragePrefix = "storage ";

    /// <summary>
    /// Starts the span of one storage operation of a plugin, a child of the running call's span: named by the operation
    /// kind (<c>storage get</c>), tagged with the kind, the interface and the owner (the calling plugin), and the bucket's
    /// mode and duration when known here; null when nobody listens.
    /// </summary>
    public static Activity? StartStorage(string operation, string api, string? owner, DbMode? mode = null, StorageDuration? duration = null)
    {
        if (!Source.HasListeners()) return null;
        var activity = Source.StartActivity(StoragePrefix + operation, ActivityKind.Internal, default(ActivityContext),
            [new("supervisor.storage.operation", operation), new("supervisor.storage.interface", api), new("supervisor.storage.owner", owner)]);
        if (activity is not null && mode is { } m && duration is { } d) TagBucket(activity, m, d);
        return activity;
    }

    /// <summary>Tags the running storage span, if any, with the kind of bucket it works on (mode and duration; never the bucket's name).</summary>
    public static void TagBucket(DbMode mode, StorageDuration duration)
    {
        if (CurrentStorageSpan() is { } activity) TagBucket(activity, mode, duration);
    }

    private static void TagBucket(Activity activity, DbMode mode, StorageDuration duration) =>
        activity.SetTag("supervisor.storage.mode", mode == DbMode.Transactional ? "trx" : "non-trx")
            .SetTag("supervisor.storage.duration", duration.ToString().ToLowerInvariant());

    /// <summary>
    /// Marks the running storage span, if any, as failed with <paramref name="code"/> (an error code or exception type:
    /// never a message, which can quote a key). For failures a host interface reports to the plugin as a WIT error.
    /// </summary>
    public static void StorageFailed(string code) => CurrentStorageSpan()?.SetStatus(ActivityStatusCode.Error, code);

    private static Activity? CurrentStorageSpan() =>
        Activity.Current is { } a && a.Source == Source && a.OperationName.StartsWith(StoragePrefix, StringComparison.Ordinal) ? a : null;

    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    /// <summary>Records an elapsed time (from <see cref="Stopwatch.GetTimestamp"/>) when anyone listens.</summary>
    public static void Record(Histogram<double> histogram, long started, KeyValuePair<string, object?> tag)
    {
        if (histogram.Enabled) histogram.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
    }
}
