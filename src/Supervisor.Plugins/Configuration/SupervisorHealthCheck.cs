using Microsoft.Extensions.Diagnostics.HealthChecks;
using Supervisor.Storage;

namespace Supervisor.Plugins.Configuration;

/// <summary>
/// Healthy when the store answers a read and every plugin of the plugin directory loads (the warm-up's outcome, run
/// once); degraded while the warm-up runs or when some plugins fail to load (named); unhealthy when the store fails.
/// </summary>
internal sealed class SupervisorHealthCheck(PluginSupervisor supervisor) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            supervisor.Store.GetUsage(supervisor.ChainId, Names.ClientData);
        }
        catch (StorageException e)
        {
            return HealthCheckResult.Unhealthy($"the store does not answer: {e.Message}", e);
        }
        var warmUp = supervisor.WarmUpAsync(cancellationToken);
        if (!warmUp.IsCompleted) return HealthCheckResult.Degraded("the store answers; plugins are still being compiled (warm-up)");
        var failures = await warmUp.ConfigureAwait(false);
        return failures.Count == 0
            ? HealthCheckResult.Healthy("the store answers and every plugin loads")
            : HealthCheckResult.Degraded($"{failures.Count} plugin(s) do not load: {string.Join("; ", failures.Select(f => $"{f.Key}: {f.Value}"))}",
                data: failures.ToDictionary(f => f.Key, f => (object)f.Value));
    }
}
