namespace Supervisor.Plugins;

/// <summary>A plugin function's WIT signature.</summary>
/// <param name="Target">The function.</param>
/// <param name="Parameters">Its parameters in order.</param>
/// <param name="Result">Its result type in WIT-like text, or null when it returns nothing.</param>
public sealed record FunctionSignature(CallTarget Target, IReadOnlyList<ParameterSignature> Parameters, string? Result)
{
    /// <summary>WIT-like text: <c>func(key: string) -&gt; option&lt;list&lt;u8&gt;&gt;</c>.</summary>
    public override string ToString() => $"func({string.Join(", ", Parameters)}){(Result is null ? "" : " -> " + Result)}";
}
