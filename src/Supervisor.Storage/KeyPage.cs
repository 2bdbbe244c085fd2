namespace Supervisor.Storage;

/// <summary>One page of a key listing.</summary>
/// <param name="Keys">Keys in UTF-8 byte order.</param>
/// <param name="Cursor">Pass to the next call to resume after the last key; null when the listing is complete.</param>
public sealed record KeyPage(IReadOnlyList<string> Keys, byte[]? Cursor);
