using Microsoft.Data.Sqlite;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sqlite;

/// <summary>A wait for another writer's lock ends at the thread's deadline, with its own code, or at the busy timeout.</summary>
public sealed class StorageDeadlineTests
{
    private static readonly BucketId Bucket = new("test", DbMode.NonTransactional, "alpha", "b");

    [Fact, Rule("PDP-LIMIT-9")]
    public void ALockedStore_FailsAtTheThreadsDeadline_OrAtTheBusyTimeoutWithout()
    {
        using var dir = new TempDirectory();
        var path = dir.File("store.db");
        using var store = KeyValueStore.Create(new StorageOptions { Location = path, Sqlite = { BusyTimeout = TimeSpan.FromMilliseconds(300) } });
        store.Backend.Set(Bucket, "k", [1], Quota.Unlimited);
        using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        other.Open();
        using (var begin = other.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        var timedOut = Assert.Throws<StorageException>(() => store.Backend.Set(Bucket, "k", [2], Quota.Unlimited));
        Assert.Equal(StorageErrorCode.BackendFailure, timedOut.Code);
        Assert.Contains("past the busy timeout", timedOut.Message);

        StorageDeadline.Current = DateTime.UtcNow.AddMilliseconds(100);
        try
        {
            var due = Assert.Throws<StorageException>(() => store.Backend.Set(Bucket, "k", [3], Quota.Unlimited));
            Assert.Equal(StorageErrorCode.DeadlinePassed, due.Code);
            // Past the deadline, a wait may last nothing at all.
            Assert.Equal(TimeSpan.Zero, StorageDeadline.Bound(TimeSpan.FromMinutes(1)));
        }
        finally
        {
            StorageDeadline.Current = null;
        }
        Assert.Null(StorageDeadline.Current);
        Assert.Equal(new byte[] { 1 }, store.Backend.Get(Bucket, "k"));
    }

    [Fact, Rule("PDP-LIMIT-9")]
    public void TheThreadsDeadline_IsKeptInUtc_AndBoundsEveryWait()
    {
        try
        {
            Assert.Null(StorageDeadline.Current);
            Assert.False(StorageDeadline.HasPassed);
            Assert.Equal(TimeSpan.FromMinutes(1), StorageDeadline.Bound(TimeSpan.FromMinutes(1))); // no deadline: the limit

            var at = new DateTime(2031, 5, 6, 7, 8, 9, DateTimeKind.Utc);
            StorageDeadline.Current = at.ToLocalTime();
            Assert.Equal(at, StorageDeadline.Current);
            Assert.Equal(DateTimeKind.Utc, StorageDeadline.Current!.Value.Kind);

            // Far ahead: not passed, and the limit is the bound.
            StorageDeadline.Current = DateTime.UtcNow.AddMinutes(10);
            Assert.False(StorageDeadline.HasPassed);
            Assert.Equal(TimeSpan.FromMinutes(1), StorageDeadline.Bound(TimeSpan.FromMinutes(1)));
            // Sooner than the limit: the time left is the bound.
            var bound = StorageDeadline.Bound(TimeSpan.FromHours(1));
            Assert.InRange(bound, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
            // Within 250 ms of it counts as passed: a bounded wait may stop that much short.
            StorageDeadline.Current = DateTime.UtcNow.AddMilliseconds(100);
            Assert.True(StorageDeadline.HasPassed);
        }
        finally
        {
            StorageDeadline.Current = null;
        }
    }
}
