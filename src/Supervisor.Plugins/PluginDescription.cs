namespace Supervisor.Plugins;

/// <summary>What a plugin imports and exports.</summary>
/// <param name="Service">The service (identity).</param>
/// <param name="Plugin">The plugin name.</param>
/// <param name="File">The component file.</param>
/// <param name="Imports">Each import with the check's verdict.</param>
/// <param name="Exports">Each exported function with its WIT-like signature.</param>
public sealed record PluginDescription(string Service, string Plugin, string File, IReadOnlyList<ImportDescription> Imports, IReadOnlyList<ExportDescription> Exports)
{
    /// <summary>True when every import is allowed.</summary>
    public bool Allowed => Imports.All(i => i.Refusal is null);
}
