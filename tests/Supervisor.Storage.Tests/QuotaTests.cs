using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests;

/// <summary><see cref="Quota.Check"/> at its boundaries: exactly at a limit, one past it, zero as unlimited, shrinking and staying level allowed.</summary>
public sealed class QuotaTests
{
    [Fact, Rule("PDP-QUOTA-1")]
    public void Check_ExactlyAtEachLimit_IsAllowed()
    {
        new Quota(100, 10).Check("c", "p", bytesAfter: 100, itemsAfter: 10, deltaBytes: 1, deltaItems: 1);
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Check_OneBytePastTheByteLimit_IsRefusedNamingPluginUsageAndLimit()
    {
        var e = Assert.Throws<StorageException>(() => new Quota(100, 10).Check("chain1", "plug", 101, 1, 1, 0));
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal("plugin \"plug\" would use 101 bytes on chain \"chain1\"; its quota is 100 bytes", e.Message);
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Check_OneRecordPastTheRecordLimit_IsRefusedNamingPluginCountAndLimit()
    {
        var e = Assert.Throws<StorageException>(() => new Quota(100, 10).Check("chain1", "plug", 1, 11, 0, 1));
        Assert.Equal(StorageErrorCode.QuotaExceeded, e.Code);
        Assert.Equal("plugin \"plug\" would keep 11 records on chain \"chain1\"; its quota is 10 records", e.Message);
    }

    [Theory, Rule("PDP-QUOTA-1")]
    [InlineData(0L, 0L)]   // no change: rewriting a value of the same size above a lowered quota
    [InlineData(-1L, -1L)] // shrinking
    public void Check_AboveBothLimits_WithoutGrowing_IsAllowed(long deltaBytes, long deltaItems)
    {
        new Quota(100, 10).Check("c", "p", 500, 50, deltaBytes, deltaItems);
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Check_GrowingBytesAboveTheLimit_WhileRecordsShrink_IsRefused()
    {
        Assert.Throws<StorageException>(() => new Quota(100, 10).Check("c", "p", 101, 5, 1, -1));
        Assert.Throws<StorageException>(() => new Quota(100, 10).Check("c", "p", 50, 11, -1, 1));
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void Check_ZeroLimits_AreUnlimited()
    {
        new Quota(0, 0).Check("c", "p", long.MaxValue, long.MaxValue, 1, 1);
        new Quota(0, 10).Check("c", "p", long.MaxValue, 10, 1, 1);
        new Quota(100, 0).Check("c", "p", 100, long.MaxValue, 1, 1);
    }

    [Fact, Rule("PDP-QUOTA-1")]
    public void IsUnlimited_OnlyWhenBothLimitsAreZero()
    {
        Assert.True(Quota.Unlimited.IsUnlimited);
        Assert.True(new Quota(0, 0).IsUnlimited);
        Assert.False(new Quota(1, 0).IsUnlimited);
        Assert.False(new Quota(0, 1).IsUnlimited);
    }
}
