namespace Supervisor.Plugins;

/// <summary>One exported function.</summary>
/// <param name="Interface">The exported interface as the component names it (e.g. <c>probe:plugin/api</c>), or null for a top-level function.</param>
/// <param name="Function">The function name.</param>
/// <param name="Signature">Its WIT-like signature.</param>
public sealed record ExportDescription(string? Interface, string Function, string Signature)
{
    /// <summary>
    /// The target an app calls it by, e.g. <c>alpha:plugin/api.put</c> (the interface found by its name, whatever its
    /// package); it names the package only when two exported interfaces share the name. Null for a top-level function,
    /// which cannot be called.
    /// </summary>
    public string? Address { get; init; }
}
