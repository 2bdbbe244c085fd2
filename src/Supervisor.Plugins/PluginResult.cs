namespace Supervisor.Plugins;

/// <summary>
/// A WIT <c>result&lt;T, E&gt;</c> as a typed call returns it (<see cref="PluginSupervisor.Call{T}(CallTarget, IReadOnlyList{object?}, string?)"/>):
/// asking for this type returns an <c>err</c> instead of throwing, though the call's operation still failed.
/// </summary>
/// <typeparam name="TValue">The <c>ok</c> payload's .NET type (<see cref="object"/> or anything for a result without one).</typeparam>
/// <typeparam name="TError">The <c>err</c> payload's .NET type.</typeparam>
public readonly record struct PluginResult<TValue, TError>
{
    private PluginResult(bool isOk, TValue? value, TError? error)
    {
        IsOk = isOk;
        Value = value;
        Error = error;
    }

    /// <summary>True for <c>ok</c>.</summary>
    public bool IsOk { get; }

    /// <summary>The <c>ok</c> payload (default for <c>err</c> or a payload-less <c>ok</c>).</summary>
    public TValue? Value { get; }

    /// <summary>The <c>err</c> payload (default for <c>ok</c> or a payload-less <c>err</c>).</summary>
    public TError? Error { get; }

    /// <summary>An <c>ok</c> result.</summary>
    public static PluginResult<TValue, TError> Ok(TValue? value) => new(true, value, default);

    /// <summary>An <c>err</c> result.</summary>
    public static PluginResult<TValue, TError> Err(TError? error) => new(false, default, error);
}
