namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The options of a canonical lift or lower.</summary>
internal static class CanonOption
{
    public const byte Utf8 = 0x00;
    public const byte Utf16 = 0x01;
    public const byte CompactUtf16 = 0x02;
    public const byte Memory = 0x03;
    public const byte Realloc = 0x04;
    public const byte PostReturn = 0x05;
    public const byte Async = 0x06;
    public const byte Callback = 0x07;
}
