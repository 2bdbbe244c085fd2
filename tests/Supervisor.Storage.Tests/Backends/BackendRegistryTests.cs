using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Backends;

/// <summary>Registries are composed by the app: no global one that a registration changes for everyone.</summary>
public sealed class BackendRegistryTests
{
    [Fact, Rule("PDP-BACKEND-1")]
    public void CreateDefault_HoldsSqliteAndMemory_AndEachCallIsANewRegistry()
    {
        var first = BackendRegistry.CreateDefault();
        Assert.Equal(["memory", "sqlite"], first.TypeNames);
        first.Register("mine", o => BackendRegistry.CreateDefault().Create(new StorageOptions { Backend = "memory" }), "mine");
        Assert.Equal(["memory", "mine", "sqlite"], first.TypeNames);
        Assert.Equal(["memory", "sqlite"], BackendRegistry.CreateDefault().TypeNames);
    }

    [Fact, Rule("PDP-BACKEND-1")]
    public void ARegistrationInOneOptionsRegistry_IsNotSeenByOtherOptions()
    {
        var mine = new StorageOptions { Location = "mine://x" };
        mine.Registry.Register("mine", o => BackendRegistry.CreateDefault().Create(new StorageOptions { Backend = "memory" }), "mine");
        using (var store = KeyValueStore.Create(mine))
            Assert.NotNull(store.Backend);
        var e = Assert.Throws<StorageException>(() => KeyValueStore.Create(new StorageOptions { Location = "mine://x" }));
        Assert.Equal(StorageErrorCode.UnknownBackend, e.Code);
        Assert.Contains("no backend handles \"mine://\"", e.Message);
        Assert.Throws<ArgumentNullException>(() => new StorageOptions().Registry = null!);
    }
}
