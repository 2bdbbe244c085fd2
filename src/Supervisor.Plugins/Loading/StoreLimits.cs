namespace Supervisor.Plugins.Loading;

/// <summary>
/// What one plugin's store may hold, beside the memory limit each linear memory has: the counts Wasmtime's store
/// limiter enforces when the plugin is instantiated. Memory is capped per linear memory, so the number of memories
/// bounds the plugin as a whole: at most <see cref="Memories"/> x the memory limit. The plugin's own allowance is
/// what every plugin here needs (componentize-js: 1 memory, 3 core instances, 2 tables of under 10,000 elements);
/// each byte adapter composed in adds its own instance, memory and table.
/// </summary>
internal readonly record struct StoreLimits(int Memories, int Instances, int Tables, int TableElements)
{
    public const int OwnMemories = 1;
    public const int OwnInstances = 8;
    public const int OwnTables = 4;
    public const int MaxTableElements = 100_000;

    /// <summary>The limits of a plugin composed with <paramref name="adapters"/> byte adapters.</summary>
    public static StoreLimits For(int adapters) =>
        new(OwnMemories + adapters, OwnInstances + 4 * adapters, OwnTables + adapters, MaxTableElements);

    /// <summary>The limits in words, for the error that names them.</summary>
    public string Describe(long memoryBytes) =>
        $"this plugin may have at most {Memories} linear {(Memories == 1 ? "memory" : "memories")} of {memoryBytes / (1024 * 1024)} MiB each, " +
        $"{Instances} core instances and {Tables} tables of {TableElements} elements";
}
