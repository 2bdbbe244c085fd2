namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The declarations of a component or instance type (imports only in a component type).</summary>
internal static class DeclarationKind
{
    public const byte CoreType = 0x00;
    public const byte Type = 0x01;
    public const byte Alias = 0x02;
    public const byte Import = 0x03;
    public const byte Export = 0x04;
}
