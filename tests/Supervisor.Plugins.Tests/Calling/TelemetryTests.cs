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

    /// <summary>Every measurement (long and double instruments, as doubles) and every finished span of the library's meter and source, while alive.</summary>
    private sealed class Recorded : IDisposable
    {
        private readonly ActivityListener _activities;

        public Recorded()
        {
            Meters.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Source) listener.EnableMeasurementEvents(instrument);
            };
            Meters.SetMeasurementEventCallback<long>((i, v, t, _) => Take(i, v, t));
            Meters.SetMeasurementEventCallback<double>((i, v, t, _) => Take(i, v, t));
            Meters.Start();
            _activities = new ActivityListener
            {
                ShouldListenTo = s => s.Name == Source,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = Spans.Add,
            };
            ActivitySource.AddActivityListener(_activities);
        }

        public ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measurements { get; } = [];

        public ConcurrentBag<Activity> Spans { get; } = [];

        public MeterListener Meters { get; } = new();

        private void Take(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            Measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

        public void Dispose()
        {
            _activities.Dispose();
            Meters.Dispose();
        }
    }

    [Fact, Rule("PDP-HOST-3")]
    public void CallsAreCountedAndTimed_WithNestedSpans_AndNoKeyOrValueInAnyTag()
    {
        using var recorded = new Recorded();
        var (measurements, spans, meters) = (recorded.Measurements, recorded.Spans, recorded.Meters);

        var s = NewSupervisor(o =>
        {
            o.CallTimeout = TimeSpan.FromSeconds(2);
            o.DefaultCaller = "telcalls";
        });
        s.Call("wcaller:plugin/api.set-via-beta", "secret-key", B("secret-value"));
        Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.set-then-trap", "secret-key", B("secret-value")));

        // The listener is process-wide and other test classes run meanwhile: only this supervisor's spans count.
        bool Mine(Activity a) => (string?)a.GetTagItem("supervisor.app") == "telcalls";
        var outer = Assert.Single(spans, a => Mine(a) && a.DisplayName == "call wcaller:plugin/api.set-via-beta");
        var inner = Assert.Single(spans, a => Mine(a) && a.DisplayName == "call wbeta:plugin/api.set");
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(spans, a => Mine(a) && a.DisplayName.Contains("set-then-trap")).Status);

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

    [Fact, Rule("PDP-HOST-3")]
    public void StorageOperations_AreSpansUnderTheirCall_AndBytesAreReportedPerOwner_WithNoKeyOrValue()
    {
        using var recorded = new Recorded();
        var (measurements, spans, meters) = (recorded.Measurements, recorded.Spans, recorded.Meters);

        // A chain and an app of their own: other test classes' supervisors, running meanwhile, report too.
        var s = NewSupervisor(o =>
        {
            o.ChainId = "telemetry";
            o.DefaultCaller = "telapp";
        });
        s.Call("walpha:plugin/api.set", "secret-key", B("secret-value"));
        Assert.Equal(B("secret-value"), s.Call("walpha:plugin/api.get", "secret-key"));
        s.Call("wcaller:plugin/api.set-via-beta", "secret-key", B("secret-value-2"));
        s.Call("wdb:plugin/api.put", "secret-key", B("secret-value-3"));
        Assert.Equal(5L, s.Call("wkv:plugin/api.incr", "secret-counter", 5L));
        s.Call("wkv:plugin/api.put", "secret-text", B("secret, not a number"));
        Assert.Equal(PluginErrorCode.ErrorResult, Assert.Throws<PluginException>(() => s.Call("wkv:plugin/api.try-incr", "secret-text", 1L)).Code);

        Activity Call(string name) => Assert.Single(spans, a => a.DisplayName == "call " + name && (string?)a.GetTagItem("supervisor.app") == "telapp");
        var walphaSet = Call("walpha:plugin/api.set");
        var set = Assert.Single(spans, a => a.DisplayName == "storage set" && a.ParentSpanId == walphaSet.SpanId);
        Assert.Equal("walpha", set.GetTagItem("supervisor.storage.owner"));
        Assert.Equal("clientdata:plugin/keyvalue", set.GetTagItem("supervisor.storage.interface"));
        Assert.Equal("non-trx", set.GetTagItem("supervisor.storage.mode"));
        Assert.Equal("persistent", set.GetTagItem("supervisor.storage.duration"));
        Assert.Equal(walphaSet.TraceId, set.TraceId);
        Assert.Single(spans, a => a.DisplayName == "storage get" && a.ParentSpanId == Call("walpha:plugin/api.get").SpanId);

        // Plugin to plugin: the storage span hangs under the nested call's span, which hangs under the outer one.
        var outer = Call("wcaller:plugin/api.set-via-beta");
        var inner = Call("wbeta:plugin/api.set");
        Assert.Equal(outer.SpanId, inner.ParentSpanId);
        Assert.Equal("wbeta", Assert.Single(spans, a => a.DisplayName == "storage set" && a.ParentSpanId == inner.SpanId).GetTagItem("supervisor.storage.owner"));

        // host:db: the bucket's kind comes from its handle.
        var db = Assert.Single(spans, a => a.DisplayName == "storage set" && a.ParentSpanId == Call("wdb:plugin/api.put").SpanId);
        Assert.Equal("host:db/store", db.GetTagItem("supervisor.storage.interface"));
        Assert.Equal("non-trx", db.GetTagItem("supervisor.storage.mode"));
        Assert.Equal("persistent", db.GetTagItem("supervisor.storage.duration"));

        // wasi:keyvalue: a failure the plugin gets as its WIT error marks the span with the code, not the message.
        var increment = Assert.Single(spans, a => a.DisplayName == "storage increment" && a.ParentSpanId == Call("wkv:plugin/api.incr").SpanId);
        Assert.Equal("wasi:keyvalue/atomics", increment.GetTagItem("supervisor.storage.interface"));
        Assert.Equal(ActivityStatusCode.Unset, increment.Status);
        var refused = Assert.Single(spans, a => a.DisplayName == "storage increment" && a.ParentSpanId == Call("wkv:plugin/api.try-incr").SpanId);
        Assert.Equal(ActivityStatusCode.Error, refused.Status);

        meters.RecordObservableInstruments();
        var bytes = measurements.Where(m => m.Instrument == "supervisor.storage.bytes" && (string?)m.Tags["chain"] == "telemetry").ToList();
        foreach (var owner in new[] { "walpha", "wbeta", "wdb", "wkv" })
        {
            var expected = s.Store.GetUsage("telemetry", owner).Bytes;
            Assert.True(expected > 0);
            Assert.Equal(expected, (long)Assert.Single(bytes, m => (string?)m.Tags["owner"] == owner).Value);
        }
        Assert.All(bytes, m => Assert.Equal(["chain", "owner"], m.Tags.Keys.Order()));

        var everything = measurements.SelectMany(m => m.Tags.Values).Concat(spans.SelectMany(a => a.TagObjects.Select(t => t.Value)))
            .Concat(spans.Select(a => a.DisplayName)).Concat(spans.Select(a => a.StatusDescription)).Select(v => v?.ToString() ?? "").ToList();
        Assert.DoesNotContain(everything, v => v.Contains("secret", StringComparison.Ordinal));

        // A disposed supervisor's store is no longer read.
        s.Dispose();
        measurements.Clear();
        meters.RecordObservableInstruments();
        Assert.DoesNotContain(measurements, m => m.Instrument == "supervisor.storage.bytes" && (string?)m.Tags["chain"] == "telemetry");
    }
}
