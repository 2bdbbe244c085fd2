namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The sorts of component items; <see cref="Core"/> prefixes a <see cref="CoreSort"/>.</summary>
internal static class Sort
{
    public const byte Core = 0x00;
    public const byte Func = 0x01;
    public const byte Value = 0x02;
    public const byte Type = 0x03;
    public const byte Component = 0x04;
    public const byte Instance = 0x05;
}
