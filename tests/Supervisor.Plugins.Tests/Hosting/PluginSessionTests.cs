using Microsoft.Extensions.DependencyInjection;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Hosting;

/// <summary>Sessions of their own inside one supervisor (PDP-SESSION-2): session data per user, persistent data shared.</summary>
public sealed class PluginSessionTests : PluginTestBase
{
    private const string Db = "jsdb:plugin/api";

    private PluginSupervisor New() => NewSupervisor(o => o.PluginDirectory = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins"));

    [Fact, Rule("PDP-SESSION-2")]
    public void TwoSessions_KeepTheirSessionDataApart_AndShareThePersistentData()
    {
        JsPlugin("jsdb");
        var s = New();
        using var alice = s.OpenSession();
        using var bob = s.OpenSession();
        alice.Call($"{Db}.set", "non-transactional", "session", "b", "k", B("alice's"));
        bob.Call($"{Db}.set", "non-transactional", "session", "b", "k", B("bob's"));
        Assert.Equal(B("alice's"), alice.Call($"{Db}.get", "non-transactional", "session", "b", "k"));
        Assert.Equal(B("bob's"), bob.Call($"{Db}.get", "non-transactional", "session", "b", "k"));
        Assert.Null(s.Call($"{Db}.get", "non-transactional", "session", "b", "k"));

        alice.Call($"{Db}.set", "non-transactional", "persistent", "b", "shared", B("everyone's"));
        Assert.Equal(B("everyone's"), bob.Call($"{Db}.get", "non-transactional", "persistent", "b", "shared"));
    }

    [Fact, Rule("PDP-SESSION-2")]
    public async Task JsonCallsInASession_UseItsSessionData()
    {
        JsPlugin("jsdb");
        var s = New();
        using var alice = s.OpenSession();
        using var bob = s.OpenSession();
        static System.Text.Json.JsonElement[] Args(params object[] values) => [.. values.Select(v => System.Text.Json.JsonSerializer.SerializeToElement(v))];
        var set = CallTarget.Parse($"{Db}.set");
        var get = CallTarget.Parse($"{Db}.get");
        alice.CallJson(set, Args("non-transactional", "session", "b", "k", Convert.ToBase64String(B("alice's"))));
        await bob.CallJsonAsync(set, Args("non-transactional", "session", "b", "k", Convert.ToBase64String(B("bob's"))));

        Assert.Equal(Convert.ToBase64String(B("alice's")), (string?)alice.CallJson(get, Args("non-transactional", "session", "b", "k")));
        Assert.Equal(Convert.ToBase64String(B("bob's")), (string?)(await bob.CallJsonAsync(get, Args("non-transactional", "session", "b", "k"))));
        Assert.Null(s.CallJson(get, Args("non-transactional", "session", "b", "k")));
    }

    [Fact, Rule("PDP-SESSION-2")]
    public async Task DisposingASession_EndsItsSessionData_AndItRefusesMoreCalls()
    {
        JsPlugin("jsdb");
        var s = New();
        var first = s.OpenSession();
        first.Call($"{Db}.set", "transactional", "session", "b", "k", B("v"));
        Assert.Equal(B("v"), await first.CallAsync(CallTarget.Parse($"{Db}.get"), ["transactional", "session", "b", "k"]));
        first.Dispose();
        first.Dispose();
        Assert.Throws<ObjectDisposedException>(() => first.Call($"{Db}.get", "transactional", "session", "b", "k"));
        using var next = s.OpenSession();
        Assert.Null(next.Call($"{Db}.get", "transactional", "session", "b", "k"));
    }

    [Fact, Rule("PDP-SESSION-2")]
    public void DependencyInjection_GivesEachScopeItsOwnSession()
    {
        JsPlugin("jsdb");
        var services = new ServiceCollection().AddSupervisor(o =>
        {
            o.PluginDirectory = Path.Combine(RepositoryPaths.Root, "artifacts", "plugins");
            o.CacheDirectory = SharedCache;
            o.Storage = new StorageOptions { Location = StorePath };
        });
        using var provider = services.BuildServiceProvider();
        PluginSession kept;
        using (var scope = provider.CreateScope())
        {
            kept = scope.ServiceProvider.GetRequiredService<PluginSession>();
            Assert.Same(kept, scope.ServiceProvider.GetRequiredService<PluginSession>());
            kept.Call($"{Db}.set", "non-transactional", "session", "b", "k", B("request 1"));
            using var other = provider.CreateScope();
            Assert.Null(other.ServiceProvider.GetRequiredService<PluginSession>().Call($"{Db}.get", "non-transactional", "session", "b", "k"));
        }
        Assert.Throws<ObjectDisposedException>(() => kept.Call($"{Db}.get", "non-transactional", "session", "b", "k"));
    }
}
