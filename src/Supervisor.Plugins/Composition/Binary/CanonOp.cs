namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The canonical definitions the composer reads or writes.</summary>
internal static class CanonOp
{
    public const byte Lift = 0x00;
    public const byte Lower = 0x01;
    public const byte ResourceNew = 0x02;
    public const byte ResourceDrop = 0x03;
    public const byte ResourceRep = 0x04;
}
