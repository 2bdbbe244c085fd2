using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// Metrics and traces through the platform's own APIs (no SDK): the meter and activity source named
/// <see cref="Name"/>. Tags carry plugin and function names and error codes only, never keys, values or arguments
/// (plugins keep private keys in them). With no listener attached each hook costs a flag test.
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

    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    /// <summary>Records an elapsed time (from <see cref="Stopwatch.GetTimestamp"/>) when anyone listens.</summary>
    public static void Record(Histogram<double> histogram, long started, KeyValuePair<string, object?> tag)
    {
        if (histogram.Enabled) histogram.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
    }
}
