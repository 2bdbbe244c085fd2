using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Storage;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Configuration;

/// <summary>Configuration binding, validation at start, warm-up and the health check (PDP-HOST-1, PDP-HOST-2).</summary>
public sealed class ConfigurationTests : PluginTestBase
{
    private IConfigurationSection Section(params (string Key, string Value)[] values)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Supervisor:PluginDirectory"] = FixturePlugins,
            ["Supervisor:CacheDirectory"] = SharedCache,
            ["Supervisor:Storage:Location"] = StorePath,
            ["Supervisor:ChainId"] = "test",
        };
        foreach (var (key, value) in values) settings[key] = value;
        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Supervisor");
    }

    [Fact, Rule("PDP-HOST-1")]
    public void AddSupervisor_BindsTheSection_WithTheCliUnits()
    {
        using var provider = new ServiceCollection()
            .AddSupervisor(Section(("Supervisor:CallTimeout", "1500ms"), ("Supervisor:MemoryLimit", "64MiB"), ("Supervisor:ConcurrentPlugins:0", "walpha")))
            .BuildServiceProvider();
        var s = provider.GetRequiredService<PluginSupervisor>();
        Assert.Equal("test", s.ChainId);
        s.Call("walpha:plugin/api.set", "k", B("v"));
        Assert.Equal(B("v"), ClientDataRecord(s, "walpha", "k"));
        var e = Assert.Throws<PluginException>(() => s.Call("walpha:plugin/api.spin"));
        Assert.Equal(PluginErrorCode.Timeout, e.Code);
        Assert.Contains("1.5 s", e.Message);
    }

    [Fact, Rule("PDP-HOST-1")]
    public void BadValues_AreOneValidationReport_NamingEachKey()
    {
        using var provider = new ServiceCollection()
            .AddSupervisor(Section(("Supervisor:CallTimeout", "soon"), ("Supervisor:MaxCallDepth", "0"), ("Supervisor:Storage:Backend", "")))
            .BuildServiceProvider();
        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<PluginSupervisor>());
        Assert.Contains(e.Failures, f => f.StartsWith("Supervisor:CallTimeout: \"soon\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Supervisor:MaxCallDepth:", StringComparison.Ordinal));
        Assert.Contains(e.Failures, f => f.StartsWith("Supervisor:Storage:Backend:", StringComparison.Ordinal));
        Assert.Equal(3, e.Failures.Count());
    }

    [Fact, Rule("PDP-HOST-2")]
    public async Task WarmUp_LoadsEveryPlugin_AndReportsThoseThatFail()
    {
        var dir = Dir.File("plugins");
        foreach (var service in new[] { "walpha", "wbeta" })
        {
            Directory.CreateDirectory(Path.Combine(dir, service));
            File.Copy(Path.Combine(FixturePlugins, service, "plugin.wat"), Path.Combine(dir, service, "plugin.wat"));
        }
        Directory.CreateDirectory(Path.Combine(dir, "broken"));
        File.WriteAllText(Path.Combine(dir, "broken", "plugin.wat"), "(component (core module (func unreachable");
        var s = NewSupervisor(o =>
        {
            o.PluginDirectory = dir;
            o.WarmUp = true;
        });
        var failures = await s.WarmUpAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(["broken:plugin"], failures.Keys);
        Assert.StartsWith("plugin \"broken:plugin\"", failures["broken:plugin"]);
        Assert.Same(failures, await s.WarmUpAsync());
    }

    [Fact, Rule("PDP-HOST-2")]
    public async Task HealthCheck_IsHealthyWhenTheStoreAnswersAndPluginsLoad_DegradedNamingThoseThatDoNot()
    {
        var services = new ServiceCollection().AddSupervisor(Section(("Supervisor:WarmUp", "true")));
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddHealthChecks().AddSupervisorCheck();
        await using var provider = services.BuildServiceProvider();
        var health = provider.GetRequiredService<HealthCheckService>();
        await provider.GetRequiredService<PluginSupervisor>().WarmUpAsync().WaitAsync(TimeSpan.FromMinutes(5));
        var report = await health.CheckHealthAsync();
        var entry = report.Entries["supervisor"];
        // The fixture directory holds plugins built to fail loading (hostile imports): the check names them.
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Contains("wevil:plugin", entry.Description);

        var healthy = new ServiceCollection().AddSupervisor(Section(("Supervisor:PluginDirectory", Dir.File("empty"))));
        healthy.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        healthy.AddHealthChecks().AddSupervisorCheck();
        await using var good = healthy.BuildServiceProvider();
        var first = await good.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.NotEqual(HealthStatus.Unhealthy, first.Entries["supervisor"].Status);
        await good.GetRequiredService<PluginSupervisor>().WarmUpAsync().WaitAsync(TimeSpan.FromMinutes(1));
        var ok = await good.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, ok.Entries["supervisor"].Status);
    }
}
