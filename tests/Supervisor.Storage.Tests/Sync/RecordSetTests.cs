using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>The table that finds a record named twice in an archive, past its growth and across similar identities.</summary>
public sealed class RecordSetTests
{
    [Fact, Rule("PDP-SYNC-8")]
    public void EveryRecordIsNewOnce_AndARepeat_EvenAfterTheTableGrew()
    {
        var set = new RecordSet();
        var bucket = new BucketId("test", DbMode.NonTransactional, "alpha", "b");
        for (var i = 0; i < 5000; i++) Assert.True(set.Add(bucket, $"k{i}"), $"k{i} the first time");
        for (var i = 0; i < 5000; i += 7) Assert.False(set.Add(bucket, $"k{i}"), $"k{i} again");
        // The same key in another bucket, mode, chain or service is another record.
        Assert.True(set.Add(new BucketId("test", DbMode.NonTransactional, "alpha", "c"), "k1"));
        Assert.True(set.Add(new BucketId("test", DbMode.Transactional, "alpha", "b"), "k1"));
        Assert.True(set.Add(new BucketId("other", DbMode.NonTransactional, "alpha", "b"), "k1"));
        Assert.True(set.Add(new BucketId("test", DbMode.NonTransactional, "beta", "b"), "k1"));
        Assert.False(set.Add(new BucketId("test", DbMode.NonTransactional, "beta", "b"), "k1"));
        Assert.NotEqual(0UL, RecordSet.Identity(bucket, ""));
    }
}
