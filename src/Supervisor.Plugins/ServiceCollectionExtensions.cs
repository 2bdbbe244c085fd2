using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Supervisor.Plugins;

/// <summary>Registers a <see cref="PluginSupervisor"/> in a service collection.</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Adds one <see cref="PluginSupervisor"/> (a singleton: one session for the app's lifetime), configured by
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
        return services;
    }
}
