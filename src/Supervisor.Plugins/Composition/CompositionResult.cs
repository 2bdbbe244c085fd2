namespace Supervisor.Plugins.Composition;

/// <summary>
/// The result of composing: the bytes to compile and, for a composed component, the adapters' host interfaces it
/// imports besides the plugin's own imports (which it imports unchanged).
/// </summary>
internal sealed record CompositionResult(CompositionStatus Status, byte[] Bytes, string? Reason, IReadOnlyList<string> Added)
{
    public bool IsComposed => Status == CompositionStatus.Composed;

    /// <summary>The plugin's own bytes (the same array as <see cref="Bytes"/> unless composed).</summary>
    public byte[] Original { get; init; } = Bytes;

    /// <summary>For a spliced plugin, the nested composition to compile if Wasmtime refuses the splice.</summary>
    public CompositionResult? Alternative { get; init; }

    /// <summary>True when the adapter was spliced into the plugin rather than nested beside it.</summary>
    public bool IsSpliced => Alternative is not null;

    public static CompositionResult Unchanged(CompositionStatus status, byte[] bytes, string reason) => new(status, bytes, reason, []);

    public static CompositionResult Unrecognized(byte[] plugin, string reason) => Unchanged(CompositionStatus.Unrecognized, plugin, reason);
}
