using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Store;

/// <summary>The store's administrative face (PDP-ADMIN-*): names checked before anything is read or written, lifetime, defaults.</summary>
public sealed class StoreAdminTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private KeyValueStore Open() => KeyValueStore.Create(new StorageOptions { Location = _dir.File("admin.db") });

    [Fact, Rule("PDP-ADMIN-1")]
    public void AdminReads_AndClear_RefuseInvalidChainAndServiceNames()
    {
        using var store = Open();
        var calls = new (string What, Action Call, StorageErrorCode Code)[]
        {
            ("usage, chain", () => store.GetUsage("bad chain", "alpha"), StorageErrorCode.InvalidChainId),
            ("usage, service", () => store.GetUsage("c", "Bad Name"), StorageErrorCode.InvalidServiceName),
            ("buckets, chain", () => store.ListBuckets("", "alpha"), StorageErrorCode.InvalidChainId),
            ("buckets, service", () => store.ListBuckets("c", "Bad Name"), StorageErrorCode.InvalidServiceName),
            ("services, chain", () => store.ListServices("bad chain"), StorageErrorCode.InvalidChainId),
            ("clear, chain", () => store.Clear("bad chain"), StorageErrorCode.InvalidChainId),
            ("clear, service", () => store.Clear("c", "Bad Name"), StorageErrorCode.InvalidServiceName),
            ("turn mode, chain", () => store.GetTurnMode("bad chain", "alpha"), StorageErrorCode.InvalidChainId),
            ("turn mode, service", () => store.ClaimTurnMode("c", "Bad Name", TurnMode.Serialized), StorageErrorCode.InvalidServiceName),
        };
        foreach (var (what, call, code) in calls)
            Assert.True(Assert.Throws<StorageException>(call).Code == code, what);
    }

    [Fact, Rule("PDP-ADMIN-3")]
    public void ClearOfOneService_LeavesOthers_AndClearOfTheChain_TakesEveryOne()
    {
        using var store = Open();
        using (var session = store.OpenSession())
        using (var op = session.BeginOperation())
        {
            foreach (var service in new[] { "alpha", "beta" })
                op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, service, "b").Set("k", [1, 2]);
            op.OpenBucket("c", DbMode.NonTransactional, StorageDuration.Persistent, Names.ClientData, "alpha").Set("k", [3]);
        }
        Assert.Equal(2, store.Clear("c", "alpha")); // its bucket and what clientdata keeps for it
        Assert.Equal(0, store.GetUsage("c", "alpha").Items);
        Assert.Equal(1, store.GetUsage("c", "beta").Items);
        Assert.Equal(1, store.Clear("c"));
        Assert.Empty(store.ListServices("c"));
    }

    [Fact, Rule("PDP-ADMIN-1")]
    public void Create_ChecksItsArguments_AndTakesDefaultLimits()
    {
        Assert.Throws<ArgumentNullException>(() => KeyValueStore.Create((StorageOptions)null!));
        Assert.Throws<ArgumentNullException>(() => KeyValueStore.Create((StorageBackend)null!));
        var memory = new StorageOptions { Backend = "memory" };
        using var backend = memory.Registry.Create(memory);
        using var store = KeyValueStore.Create(backend);
        Assert.Equal(new StorageLimits().MaxValueBytes, store.Limits.MaxValueBytes);
        Assert.Equal(new StorageLimits().Quota.MaxBytes, store.Limits.Quota.MaxBytes);
        store.Dispose();
        store.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => store.OpenSession());
        Assert.Equal(0, backend.GetOwnerUsage("c", "alpha").Items); // a store over a backend it does not own leaves it open

        // Limits given are used, as a copy: changing them after does not change the store's.
        var limits = new StorageLimits { MaxValueBytes = 1234 };
        using var limited = KeyValueStore.Create(backend, limits);
        limits.MaxValueBytes = 99;
        Assert.Equal(1234, limited.Limits.MaxValueBytes);
    }
}
