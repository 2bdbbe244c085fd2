namespace Supervisor.Plugins.Composition.Binary;

/// <summary>How an instance (component or core) is made: by instantiating with arguments, or from a bag of exports.</summary>
internal static class InstanceExpr
{
    public const byte Instantiate = 0x00;
    public const byte Exports = 0x01;
}
