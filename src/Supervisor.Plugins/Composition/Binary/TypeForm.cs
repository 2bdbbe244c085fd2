namespace Supervisor.Plugins.Composition.Binary;

/// <summary>The leading byte of a type definition: a function, component, instance or resource type, or a value type.</summary>
internal static class TypeForm
{
    public const byte Func = 0x40;
    public const byte Component = 0x41;
    public const byte Instance = 0x42;
    public const byte AsyncFunc = 0x43;
    public const byte Resource = 0x3f;

    public const byte Record = 0x72;
    public const byte Variant = 0x71;
    public const byte List = 0x70;
    public const byte Tuple = 0x6f;
    public const byte Flags = 0x6e;
    public const byte Enum = 0x6d;
    public const byte Option = 0x6b;
    public const byte Result = 0x6a;
    public const byte Own = 0x69;
    public const byte Borrow = 0x68;
    public const byte FixedSizeList = 0x67;
    public const byte Stream = 0x66;
    public const byte Future = 0x65;

    /// <summary>A resource's only representation, core i32.</summary>
    public const byte ResourceRepI32 = 0x7f;

    /// <summary>A function type's results: one unnamed type, or a list of named ones (older binaries).</summary>
    public const byte SingleResult = 0x00, NamedResults = 0x01;

    /// <summary>bool through string (0x7f-0x73) and error-context (0x64).</summary>
    public static bool IsPrimitive(byte b) => b is 0x64 or >= 0x73 and <= 0x7f;
}
