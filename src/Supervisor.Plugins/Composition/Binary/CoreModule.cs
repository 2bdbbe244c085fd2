namespace Supervisor.Plugins.Composition.Binary;

/// <summary>What the splicer reads of a core module (a fixup's imports and element segments).</summary>
internal static class CoreModule
{
    public const byte ImportSection = 2;
    public const byte ElementSection = 9;

    /// <summary>Element segment flags: active on table 0, and active on an explicit table.</summary>
    public const uint ActiveSegment = 0, ActiveSegmentWithTable = 2;

    /// <summary>funcref, the only element kind an active segment with a table index names here.</summary>
    public const byte ElemKindFuncRef = 0x00;

    public const byte I32Const = 0x41;
    public const byte End = 0x0b;

    /// <summary>The limits flag bit that says a maximum follows.</summary>
    public const byte LimitsHasMax = 0x01;
}
