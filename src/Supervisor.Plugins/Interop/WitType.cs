using System.Text;

namespace Supervisor.Plugins.Interop;

/// <summary>Component value type kinds (the model's own numbering, not Wasmtime's).</summary>
internal enum WitKind
{
    Bool, S8, U8, S16, U16, S32, U32, S64, U64, F32, F64, Char, String,
    List, Record, Tuple, Variant, Enum, Option, Result, Flags, Own, Borrow,
    Future, Stream, ErrorContext, Map, Unknown,
}

/// <summary>
/// A component value type as a small immutable tree. ToString renders WIT-like text; anonymous records,
/// variants, enums and flags render inline (the C API does not give their declared names).
/// </summary>
internal abstract class WitType
{
    protected WitType(WitKind kind) => Kind = kind;

    public WitKind Kind { get; }

    public static readonly WitType Bool = new WitPrimitive(WitKind.Bool);
    public static readonly WitType S8 = new WitPrimitive(WitKind.S8);
    public static readonly WitType U8 = new WitPrimitive(WitKind.U8);
    public static readonly WitType S16 = new WitPrimitive(WitKind.S16);
    public static readonly WitType U16 = new WitPrimitive(WitKind.U16);
    public static readonly WitType S32 = new WitPrimitive(WitKind.S32);
    public static readonly WitType U32 = new WitPrimitive(WitKind.U32);
    public static readonly WitType S64 = new WitPrimitive(WitKind.S64);
    public static readonly WitType U64 = new WitPrimitive(WitKind.U64);
    public static readonly WitType F32 = new WitPrimitive(WitKind.F32);
    public static readonly WitType F64 = new WitPrimitive(WitKind.F64);
    public static readonly WitType Char = new WitPrimitive(WitKind.Char);
    public static readonly WitType String = new WitPrimitive(WitKind.String);

    /// <summary>True for <c>list&lt;u8&gt;</c>, which converts to and from byte[].</summary>
    public bool IsByteList => this is WitList { Element.Kind: WitKind.U8 };

    public override string ToString()
    {
        var sb = new StringBuilder();
        Render(sb);
        return sb.ToString();
    }

    internal abstract void Render(StringBuilder sb);

    internal static string KindName(WitKind kind) => kind switch
    {
        WitKind.ErrorContext => "error-context",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

internal sealed class WitPrimitive : WitType
{
    internal WitPrimitive(WitKind kind) : base(kind) { }
    internal override void Render(StringBuilder sb) => sb.Append(KindName(Kind));
}

internal sealed class WitList(WitType element) : WitType(WitKind.List)
{
    public WitType Element { get; } = element;
    internal override void Render(StringBuilder sb) { sb.Append("list<"); Element.Render(sb); sb.Append('>'); }
}

internal sealed class WitOption(WitType inner) : WitType(WitKind.Option)
{
    public WitType Inner { get; } = inner;
    internal override void Render(StringBuilder sb) { sb.Append("option<"); Inner.Render(sb); sb.Append('>'); }
}

internal sealed class WitResultType(WitType? ok, WitType? err) : WitType(WitKind.Result)
{
    public WitType? Ok { get; } = ok;
    public WitType? Err { get; } = err;

    internal override void Render(StringBuilder sb)
    {
        sb.Append("result");
        if (Ok is null && Err is null) return;
        sb.Append('<');
        if (Ok is null) sb.Append('_'); else Ok.Render(sb);
        if (Err is not null) { sb.Append(", "); Err.Render(sb); }
        sb.Append('>');
    }
}

internal sealed record WitField(string Name, WitType Type);

internal sealed class WitRecord(IReadOnlyList<WitField> fields) : WitType(WitKind.Record)
{
    public IReadOnlyList<WitField> Fields { get; } = fields;

    internal override void Render(StringBuilder sb)
    {
        sb.Append("record { ");
        for (var i = 0; i < Fields.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Fields[i].Name).Append(": ");
            Fields[i].Type.Render(sb);
        }
        sb.Append(" }");
    }
}

internal sealed class WitTuple(IReadOnlyList<WitType> types) : WitType(WitKind.Tuple)
{
    public IReadOnlyList<WitType> Types { get; } = types;

    internal override void Render(StringBuilder sb)
    {
        sb.Append("tuple<");
        for (var i = 0; i < Types.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            Types[i].Render(sb);
        }
        sb.Append('>');
    }
}

internal sealed record WitCase(string Name, WitType? Payload);

internal sealed class WitVariant(IReadOnlyList<WitCase> cases) : WitType(WitKind.Variant)
{
    public IReadOnlyList<WitCase> Cases { get; } = cases;

    public int IndexOf(string name)
    {
        for (var i = 0; i < Cases.Count; i++) if (Cases[i].Name == name) return i;
        return -1;
    }

    internal override void Render(StringBuilder sb)
    {
        sb.Append("variant { ");
        for (var i = 0; i < Cases.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Cases[i].Name);
            if (Cases[i].Payload is { } p) { sb.Append('('); p.Render(sb); sb.Append(')'); }
        }
        sb.Append(" }");
    }
}

internal sealed class WitEnum(IReadOnlyList<string> names) : WitType(WitKind.Enum)
{
    public IReadOnlyList<string> Names { get; } = names;
    internal override void Render(StringBuilder sb) => sb.Append("enum { ").AppendJoin(", ", Names).Append(" }");
}

internal sealed class WitFlags(IReadOnlyList<string> names) : WitType(WitKind.Flags)
{
    public IReadOnlyList<string> Names { get; } = names;
    internal override void Render(StringBuilder sb) => sb.Append("flags { ").AppendJoin(", ", Names).Append(" }");
}

/// <summary><c>own&lt;T&gt;</c> or <c>borrow&lt;T&gt;</c>; Name is the resource's export/import name when it could be matched.</summary>
internal sealed class WitResource(WitKind kind, string? name) : WitType(kind)
{
    public string? Name { get; } = name;
    public bool IsOwn => Kind == WitKind.Own;

    internal override void Render(StringBuilder sb)
    {
        var n = Name ?? "resource";
        if (IsOwn) { if (Name is null) sb.Append("own<").Append(n).Append('>'); else sb.Append(n); }
        else sb.Append("borrow<").Append(n).Append('>');
    }
}

internal sealed class WitMap(WitType key, WitType value) : WitType(WitKind.Map)
{
    public WitType Key { get; } = key;
    public WitType Value { get; } = value;
    internal override void Render(StringBuilder sb) { sb.Append("map<"); Key.Render(sb); sb.Append(", "); Value.Render(sb); sb.Append('>'); }
}

/// <summary>future, stream, error-context, or a kind this binding does not know (rendered with its raw number).</summary>
internal sealed class WitOpaque(WitKind kind, int rawKind) : WitType(kind)
{
    public int RawKind { get; } = rawKind;
    internal override void Render(StringBuilder sb) => sb.Append(Kind == WitKind.Unknown ? $"unknown#{RawKind}" : KindName(Kind));
}

internal sealed record WitParam(string Name, WitType Type);

/// <summary>A component function type: named parameters and zero or one result.</summary>
internal sealed class WitFunctionType(IReadOnlyList<WitParam> parameters, WitType? result, bool isAsync = false)
{
    public IReadOnlyList<WitParam> Parameters { get; } = parameters;
    public WitType? Result { get; } = result;
    public bool IsAsync { get; } = isAsync;

    public override string ToString()
    {
        var sb = new StringBuilder(IsAsync ? "async func(" : "func(");
        for (var i = 0; i < Parameters.Count; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(Parameters[i].Name).Append(": ");
            Parameters[i].Type.Render(sb);
        }
        sb.Append(')');
        if (Result is not null) { sb.Append(" -> "); Result.Render(sb); }
        return sb.ToString();
    }
}

internal enum ComponentItemKind { Component = 0, Instance = 1, Module = 2, Func = 3, Resource = 4, CoreFunc = 5, Type = 6 }

/// <summary>One import or export: a function (with its type), an instance (with its exports), a resource, a type...</summary>
internal sealed class ComponentItemInfo
{
    public ComponentItemInfo(string name, ComponentItemKind kind, WitFunctionType? function = null,
        IReadOnlyList<ComponentItemInfo>? exports = null, WitType? type = null)
    {
        Name = name;
        Kind = kind;
        Function = function;
        Exports = exports ?? [];
        Type = type;
    }

    public string Name { get; }
    public ComponentItemKind Kind { get; }
    public WitFunctionType? Function { get; }
    /// <summary>For instances (and nested components): the items they export.</summary>
    public IReadOnlyList<ComponentItemInfo> Exports { get; }
    /// <summary>For type items: the type.</summary>
    public WitType? Type { get; }

    public ComponentItemInfo? Find(string name) => Exports.FirstOrDefault(e => e.Name == name);

    public override string ToString() => Kind switch
    {
        ComponentItemKind.Func => $"{Name}: {Function}",
        ComponentItemKind.Resource => $"{Name}: resource",
        ComponentItemKind.Type => $"{Name}: type {Type}",
        ComponentItemKind.Instance => $"{Name}: instance",
        _ => $"{Name}: {Kind.ToString().ToLowerInvariant()}",
    };
}

/// <summary>A component's imports and exports.</summary>
internal sealed class ComponentTypeInfo(IReadOnlyList<ComponentItemInfo> imports, IReadOnlyList<ComponentItemInfo> exports)
{
    public IReadOnlyList<ComponentItemInfo> Imports { get; } = imports;
    public IReadOnlyList<ComponentItemInfo> Exports { get; } = exports;

    /// <summary>Lines like <c>import test:kv/store.get: func(key: string) -> option&lt;list&lt;u8&gt;&gt;</c>, for diagnostics and tests.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var i in Imports) foreach (var l in Lines("import", "", i)) yield return l;
        foreach (var e in Exports) foreach (var l in Lines("export", "", e)) yield return l;
    }

    private static IEnumerable<string> Lines(string direction, string prefix, ComponentItemInfo item)
    {
        if (item.Kind == ComponentItemKind.Instance)
        {
            yield return $"{direction} {prefix}{item.Name}: instance";
            foreach (var child in item.Exports)
                foreach (var l in Lines(direction, prefix + item.Name + ".", child)) yield return l;
        }
        else yield return $"{direction} {prefix}{item}";
    }
}
