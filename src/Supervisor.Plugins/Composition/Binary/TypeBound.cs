namespace Supervisor.Plugins.Composition.Binary;

/// <summary>How an imported or exported type is bounded: equal to a type, or a fresh resource.</summary>
internal static class TypeBound
{
    public const byte Eq = 0x00;
    public const byte SubResource = 0x01;
}
