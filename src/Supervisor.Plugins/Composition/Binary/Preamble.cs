namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The first eight bytes of a binary: magic, version and layer.</summary>
internal static class Preamble
{
    /// <summary>A component (layer 1, version 0x0d).</summary>
    public static ReadOnlySpan<byte> Component => [0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00];

    /// <summary>A core module (layer 0, version 1).</summary>
    public static ReadOnlySpan<byte> CoreModule => [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
}
