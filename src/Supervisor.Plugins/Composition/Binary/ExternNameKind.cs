namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The byte before an import or export name.</summary>
internal static class ExternNameKind
{
    public const byte Plain = 0x00;

    /// <summary>Written by older toolchains; read, never written.</summary>
    public const byte Legacy = 0x01;
}
