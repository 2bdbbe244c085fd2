namespace Supervisor.Plugins.Composition.Binary;

/// <summary>A section of a binary: its id and where its contents lie.</summary>
internal sealed record Section(byte Id, int Start, int End);
