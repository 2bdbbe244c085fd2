using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>Metrics and traces through System.Diagnostics (PDP-HOST-3): what is counted, nested spans, and no keys or values in them.</summary>
[Collection("telemetry")]
public sealed class TelemetryTests : PluginTestBase
{
    private const string Source = "Supervisor.Plugins";

    [Fact, Rule("PDP-HOST-3")]
    public void CallsAreCountedAndTimed_WithNestedSpans_AndNoKeyOrValueInAnyTag()
    {
        var measurements = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == Source) listener.EnableMeasurementEvents(instrument);
        };
        void Take(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        meters.SetMeasurementEventCallback<long>((i, v, t, _) => Take(i, v, t));
        meters.SetMeasurementEventCallback<double>((i, v, t, _) => Take(i, v, t));
        meters.Start();
        var spans = new ConcurrentBag<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == Source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(activities);

        var s = NewSupervisor(o => o.CallTimeout = TimeSpan.FromSeconds(2));
        s.Call("wcaller:plugin/api.set-via-beta", "secret-key", B("secret-value"));
        Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set-then-trap", "secret-key", B("secret-value")));

        var outer = Assert.Single(spans, a => a.DisplayName == "call wcaller:plugin/api.set-via-beta");
        var inner = Assert.Single(spans, a => a.DisplayName == "call wbeta:plugin/api.set");
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(spans, a => a.DisplayName.Contains("set-then-trap")).Status);

        var calls = measurements.Where(m => m.Instrument == "supervisor.calls").ToList();
        Assert.Contains(calls, m => (string?)m.Tags["plugin"] == "wbeta" && (string?)m.Tags["outcome"] == "ok");
        Assert.Contains(calls, m => (string?)m.Tags["plugin"] == "walpha" && (string?)m.Tags["outcome"] == "Trap");
        Assert.Contains(measurements, m => m.Instrument == "supervisor.call.duration" && m.Value > 0);
        Assert.Contains(measurements, m => m.Instrument == "supervisor.plugin.load.duration");
        Assert.Contains(measurements, m => m.Instrument == "supervisor.turn.wait");

        var everything = measurements.SelectMany(m => m.Tags.Values).Concat(spans.SelectMany(a => a.TagObjects.Select(t => t.Value)))
            .Concat(spans.Select(a => a.DisplayName)).Select(v => v?.ToString() ?? "").ToList();
        Assert.DoesNotContain(everything, v => v.Contains("secret", StringComparison.Ordinal));
    }
}
