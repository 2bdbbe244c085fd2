namespace Supervisor.Plugins.Composition.Binary;

/// <summary>What an alias names: an instance's export, a core instance's export, or an item of an enclosing component.</summary>
internal static class AliasTarget
{
    public const byte Export = 0x00;
    public const byte CoreExport = 0x01;
    public const byte Outer = 0x02;
}
