using Supervisor.Storage;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// <c>wasi:keyvalue@0.2.0-draft2</c> through the hand-written fixture <c>wkv</c> (Fixtures/plugins/wkv/plugin.wat):
/// s64 counters over their whole range, and the ownership and limits of <c>bucket</c> handles.
/// </summary>
public sealed class KeyValueWatTests : PluginTestBase
{
    private const string Api = "wkv:plugin/api";

    /// <summary>The counter as the store keeps it (decimal text), read straight from the store.</summary>
    private static string? Counter(PluginSupervisor s, string key)
    {
        using var session = s.Store.OpenSession();
        using var op = session.BeginOperation();
        return op.OpenBucket(s.ChainId, DbMode.NonTransactional, StorageDuration.Persistent, "wkv", "default").Get(key) is { } v
            ? System.Text.Encoding.UTF8.GetString(v)
            : null;
    }

    [Fact, Rule("PDP-KV-5")]
    public void Increment_NegativeDeltas_ReachTheBottomOfTheRange_ThenOverflowIsAnError()
    {
        var s = NewSupervisor();
        Assert.Equal(-5L, s.Call($"{Api}.incr", "c", -5L));
        Assert.Equal("-5", Counter(s, "c"));
        Assert.Equal(-3L, s.Call($"{Api}.incr", "c", 2L));
        Assert.Equal(0L, s.Call($"{Api}.incr", "c", 3L));

        Assert.Equal(long.MinValue, s.Call($"{Api}.incr", "c", long.MinValue));
        Assert.Equal(long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), Counter(s, "c"));

        // One below s64's minimum: the host answers err(other(...)) naming the overflow; the counter is unchanged.
        var e = Assert.Throws<PluginException>(() => s.Call($"{Api}.try-incr", "c", -1L));
        Assert.Equal(PluginErrorCode.ErrorResult, e.Code);
        Assert.Contains("overflow", (string)e.ErrorValue!);
        Assert.Contains("overflow", e.Message);
        Assert.Equal(long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), Counter(s, "c"));

        // incr traps on that err; the plugin answers the next call.
        var trap = Assert.Throws<PluginException>(() => s.Call($"{Api}.incr", "c", -1L));
        Assert.Equal(PluginErrorCode.Trap, trap.Code);
        Assert.Contains("unreachable", trap.Message);
        Assert.Equal(long.MinValue + 1, s.Call($"{Api}.incr", "c", 1L));
    }

    [Fact, Rule("PDP-KV-5")]
    public void Increment_ToTheTopOfTheRange_ThenOverflowIsAnError()
    {
        var s = NewSupervisor();
        Assert.Equal(long.MaxValue, s.Call($"{Api}.incr", "up", long.MaxValue));
        var e = Assert.Throws<PluginException>(() => s.Call($"{Api}.try-incr", "up", 1L));
        Assert.Contains("overflow", (string)e.ErrorValue!);
        Assert.Equal(-1L, s.Call($"{Api}.incr", "up", long.MinValue));
    }

    [Fact, Rule("PDP-KV-9", "PDP-OP-3")]
    public void UseAfterDrop_Traps_AndThePluginAnswersTheNextCall()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call($"{Api}.use-after-drop"));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("wkv", e.Message);
        Assert.Contains("use-after-drop", e.Message);
        Assert.Contains("unknown handle index", e.Message);
        Assert.Equal(1L, s.Call($"{Api}.incr", "n", 1L));
    }

    [Fact, Rule("PDP-KV-9", "PDP-OP-3")]
    public void DoubleDrop_Traps_AndThePluginAnswersTheNextCall()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.Call($"{Api}.double-drop"));
        Assert.Equal(PluginErrorCode.Trap, e.Code);
        Assert.Contains("wkv", e.Message);
        Assert.Contains("double-drop", e.Message);
        Assert.Contains("unknown handle index", e.Message);
        Assert.Equal(1L, s.Call($"{Api}.incr", "n", 1L));
    }

    [Fact, Rule("PDP-KV-9")]
    public void OpenBuckets_AreLimitedPerInstance_ByMaxOpenBuckets()
    {
        var s = NewSupervisor();
        Assert.Equal(256u, s.Call($"{Api}.open-count", 300u));
    }

    [Fact, Rule("PDP-KV-9")]
    public void OpenBuckets_FollowTheConfiguredLimit()
    {
        var s = NewSupervisor(o => o.MaxOpenBuckets = 3);
        Assert.Equal(2u, s.Call($"{Api}.open-count", 2u));
        // The two handles are still open in this instance: one more fits.
        Assert.Equal(1u, s.Call($"{Api}.open-count", 300u));
        Assert.Equal(0u, s.Call($"{Api}.open-count", 300u));
    }
}
