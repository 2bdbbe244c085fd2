using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Backends;

public sealed class SqliteBackendContractTests : BackendContractTests
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("store.db");

    protected override StorageBackend CreateBackend() =>
        BackendRegistry.CreateDefault().Create(new StorageOptions { Location = DbPath });

    protected override StorageBackend? Reopen() => CreateBackend();

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}

public sealed class MemoryBackendContractTests : BackendContractTests
{
    protected override StorageBackend CreateBackend() =>
        BackendRegistry.CreateDefault().Create(new StorageOptions { Backend = "memory" });

    protected override StorageBackend? Reopen() => null;
}
