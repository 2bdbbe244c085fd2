namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The ids of a component's sections.</summary>
internal static class SectionId
{
    public const byte Custom = 0;
    public const byte CoreModule = 1;
    public const byte CoreInstance = 2;
    public const byte CoreType = 3;
    public const byte Component = 4;
    public const byte Instance = 5;
    public const byte Alias = 6;
    public const byte Type = 7;
    public const byte Canon = 8;
    public const byte Import = 10;
    public const byte Export = 11;
}
