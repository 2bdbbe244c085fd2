namespace Supervisor.Plugins;

/// <summary>A WIT <c>variant</c> value as plugin calls take and return it: the case name and its payload.</summary>
/// <param name="Tag">The case name.</param>
/// <param name="Value">The payload, or null for a case without one.</param>
public readonly record struct WitVariantValue(string Tag, object? Value = null);
