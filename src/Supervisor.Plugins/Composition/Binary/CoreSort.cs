namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The sorts of core items; the first four are also a core module's import and export kinds.</summary>
internal static class CoreSort
{
    public const byte Func = 0x00;
    public const byte Table = 0x01;
    public const byte Memory = 0x02;
    public const byte Global = 0x03;
    public const byte Type = 0x10;
    public const byte Module = 0x11;
    public const byte Instance = 0x12;
}
