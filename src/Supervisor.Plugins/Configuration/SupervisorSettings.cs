using Supervisor.Storage;

namespace Supervisor.Plugins.Configuration;

/// <summary>
/// The <c>Supervisor</c> configuration section as the binder fills it: plain text and numbers, no validation in
/// setters, so a bad value becomes a validation report naming its key (<see cref="SettingsValidator"/>), never an
/// exception inside the binder. Durations and sizes take the CLI's strings (<c>10s</c>, <c>256MiB</c>).
/// </summary>
internal sealed class SupervisorSettings
{
    public string? PluginDirectory { get; set; }
    public string? CacheDirectory { get; set; }
    public string? ChainId { get; set; }
    public string? RootDomain { get; set; }
    public string? DefaultCaller { get; set; }
    public string? CallTimeout { get; set; }
    public string? MemoryLimit { get; set; }
    public string? MaxTurnHold { get; set; }
    public int? MaxCallDepth { get; set; }
    public int? MaxInstancesPerPlugin { get; set; }
    public int? MaxOpenBuckets { get; set; }
    public bool? ByteAdapter { get; set; }
    public bool? WarmUp { get; set; }
    public List<string> ConcurrentPlugins { get; set; } = [];
    public StorageSettings Storage { get; set; } = new();

    /// <summary>The section's <c>Storage</c> part.</summary>
    internal sealed class StorageSettings
    {
        public string? Location { get; set; }
        public string? Backend { get; set; }
        public string? Domain { get; set; }
    }

    /// <summary>
    /// The options these settings give, each value checked by the option's own setter; every refusal is collected with
    /// its configuration key (<c>Supervisor:CallTimeout: ...</c>).
    /// </summary>
    public SupervisorOptions ToOptions(string section, List<string> failures)
    {
        var options = new SupervisorOptions();
        void Set(string key, object? value, Action apply)
        {
            if (value is null) return;
            try
            {
                apply();
            }
            catch (ArgumentException e)
            {
                failures.Add($"{section}:{key}: {e.Message}");
            }
        }
        Set(nameof(PluginDirectory), PluginDirectory, () => options.PluginDirectory = PluginDirectory!);
        Set(nameof(CacheDirectory), CacheDirectory, () => options.CacheDirectory = CacheDirectory);
        Set(nameof(ChainId), ChainId, () => options.ChainId = ChainId!);
        Set(nameof(RootDomain), RootDomain, () => options.RootDomain = RootDomain!);
        Set(nameof(DefaultCaller), DefaultCaller, () => options.DefaultCaller = DefaultCaller!);
        Set(nameof(CallTimeout), CallTimeout, () => options.CallTimeout = Units.ParseDuration(CallTimeout!));
        Set(nameof(MemoryLimit), MemoryLimit, () => options.MemoryLimitBytes = Units.ParseSize(MemoryLimit!));
        Set(nameof(MaxTurnHold), MaxTurnHold, () => options.MaxTurnHold = Units.ParseDuration(MaxTurnHold!));
        Set(nameof(MaxCallDepth), MaxCallDepth, () => options.MaxCallDepth = MaxCallDepth!.Value);
        Set(nameof(MaxInstancesPerPlugin), MaxInstancesPerPlugin, () => options.MaxInstancesPerPlugin = MaxInstancesPerPlugin!.Value);
        Set(nameof(MaxOpenBuckets), MaxOpenBuckets, () => options.MaxOpenBuckets = MaxOpenBuckets!.Value);
        Set(nameof(ByteAdapter), ByteAdapter, () => options.ByteAdapter = ByteAdapter!.Value);
        Set(nameof(WarmUp), WarmUp, () => options.WarmUp = WarmUp!.Value);
        for (var i = 0; i < ConcurrentPlugins.Count; i++)
        {
            var service = ConcurrentPlugins[i];
            Set($"{nameof(ConcurrentPlugins)}:{i}", service, () => options.ConcurrentPlugins.Add(service));
        }
        var storage = new StorageOptions();
        Set("Storage:Location", Storage.Location, () => storage.Location = Storage.Location);
        Set("Storage:Backend", Storage.Backend, () => storage.Backend = Storage.Backend!);
        Set("Storage:Domain", Storage.Domain, () => storage.Domain = Storage.Domain!);
        options.Storage = storage;
        return options;
    }
}
