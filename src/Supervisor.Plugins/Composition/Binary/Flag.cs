namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The byte before something optional: an optional value type, an export's type ascription, a variant case's refinement, a resource's destructor.</summary>
internal static class Flag
{
    public const byte Absent = 0x00;
    public const byte Present = 0x01;
}
