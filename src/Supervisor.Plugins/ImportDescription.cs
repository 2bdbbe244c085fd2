namespace Supervisor.Plugins;

/// <summary>One import of a plugin.</summary>
/// <param name="Name">The import name, e.g. <c>clientdata:plugin/keyvalue</c>.</param>
/// <param name="Kind"><c>host</c>, <c>wasi</c>, <c>plugin</c>, or null when refused.</param>
/// <param name="Refusal">Why it is refused, or null.</param>
/// <param name="Functions">Its functions with signatures.</param>
public sealed record ImportDescription(string Name, string? Kind, string? Refusal, IReadOnlyList<string> Functions);
