namespace Supervisor.Plugins;

/// <summary>How <c>list&lt;u8&gt;</c> values are written as JSON (and how a JSON string for one is read).</summary>
public enum ByteListFormat
{
    /// <summary>Written as a base64 string; a string argument is read as base64 (the default).</summary>
    Base64,
    /// <summary>Written as an array of numbers; a string argument is read as base64.</summary>
    Array,
    /// <summary>Written as a string when the bytes are valid UTF-8 (else as an array); a string argument is read as UTF-8 text.</summary>
    Text,
}
