using Supervisor.Storage.Backends;
using Supervisor.Testing;

namespace Supervisor.Storage.Redis.Tests;

/// <summary>The shared backend contract, unchanged, against a real redis-server.</summary>
[Collection(RedisCollection.Name), Rule("PDP-REDIS-1")]
public sealed class RedisBackendContractTests(RedisServerFixture fixture) : BackendContractTests
{
    private readonly string _location = fixture.Server.NewLocation();

    private static readonly BackendRegistry Registry = CreateRegistry();

    private static BackendRegistry CreateRegistry()
    {
        var r = BackendRegistry.CreateDefault();
        RedisBackend.Register(r);
        return r;
    }

    protected override StorageBackend CreateBackend() => Registry.Create(new StorageOptions { Location = _location, Registry = Registry });

    protected override StorageBackend? Reopen() => CreateBackend();
}
