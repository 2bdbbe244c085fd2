namespace Supervisor.Plugins;

/// <summary>A WIT <c>result</c> value as plugin calls take and return it.</summary>
/// <param name="IsOk">True for <c>ok</c>, false for <c>err</c>.</param>
/// <param name="Value">The payload, or null when the case has none.</param>
public readonly record struct WitResult(bool IsOk, object? Value = null)
{
    /// <summary>An <c>ok</c> result.</summary>
    public static WitResult Ok(object? value = null) => new(true, value);

    /// <summary>An <c>err</c> result.</summary>
    public static WitResult Err(object? value = null) => new(false, value);
}
