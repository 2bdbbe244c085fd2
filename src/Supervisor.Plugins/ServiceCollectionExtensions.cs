using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Supervisor.Plugins.Configuration;

namespace Supervisor.Plugins;

/// <summary>Registers a <see cref="PluginSupervisor"/> in a service collection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="PluginSupervisor"/> (a singleton) and a scoped <see cref="PluginSession"/> (one per scope: per request
    /// in ASP.NET Core, so session data never crosses users), configured by
    /// <paramref name="configure"/>, logging through the container's <see cref="ILoggerFactory"/> when there is one.
    /// </summary>
    public static IServiceCollection AddSupervisor(this IServiceCollection services, Action<SupervisorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddSingleton(sp =>
        {
            var options = new SupervisorOptions();
            configure(options);
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return PluginSupervisor.Create(options);
        });
        return services.AddSessions();
    }

    /// <summary>A scoped <see cref="PluginSession"/>: one per scope (per request in ASP.NET Core), so session data never crosses users.</summary>
    private static IServiceCollection AddSessions(this IServiceCollection services) =>
        services.AddScoped(sp => sp.GetRequiredService<PluginSupervisor>().OpenSession());

    /// <summary>
    /// Adds one <see cref="PluginSupervisor"/> configured from <paramref name="section"/> (usually
    /// <c>configuration.GetSection("Supervisor")</c>): <c>PluginDirectory</c>, <c>CacheDirectory</c>, <c>ChainId</c>,
    /// <c>RootDomain</c>, <c>DefaultCaller</c>, <c>CallTimeout</c> (<c>10s</c>), <c>MemoryLimit</c> (<c>256MiB</c>),
    /// <c>MaxTurnHold</c>, <c>MaxCallDepth</c>, <c>MaxInstancesPerPlugin</c>, <c>MaxOpenBuckets</c>, <c>ByteAdapter</c>,
    /// <c>WarmUp</c>, <c>ConcurrentPlugins</c> (a list) and <c>Storage:Location</c>, <c>Storage:Backend</c>,
    /// <c>Storage:Domain</c>. The values are validated at start (<c>ValidateOnStart</c>): a bad one is an
    /// <see cref="OptionsValidationException"/> naming every bad key, not an exception from inside the binder.
    /// <paramref name="configure"/> runs after the section, for what configuration cannot hold (a logger factory, a store).
    /// </summary>
    public static IServiceCollection AddSupervisor(this IServiceCollection services, IConfiguration section, Action<SupervisorOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        var path = section is IConfigurationSection s ? s.Path : "Supervisor";
        services.AddOptions<SupervisorSettings>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SupervisorSettings>>(new SettingsValidator(path));
        services.AddSingleton(sp =>
        {
            var failures = new List<string>();
            var options = sp.GetRequiredService<IOptions<SupervisorSettings>>().Value.ToOptions(path, failures);
            configure?.Invoke(options);
            options.LoggerFactory ??= sp.GetService<ILoggerFactory>();
            return PluginSupervisor.Create(options);
        });
        return services.AddSessions();
    }

    /// <summary>
    /// Adds a health check of the registered <see cref="PluginSupervisor"/>: healthy when its store answers and every
    /// plugin of its directory loads; degraded while plugins compile or when some fail to load (named in the report);
    /// unhealthy when the store fails.
    /// </summary>
    public static IHealthChecksBuilder AddSupervisorCheck(this IHealthChecksBuilder builder, string name = "supervisor")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, sp => new SupervisorHealthCheck(sp.GetRequiredService<PluginSupervisor>()), null, ["supervisor"]));
    }
}
