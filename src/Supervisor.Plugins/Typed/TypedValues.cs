using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Typed;

/// <summary>
/// Maps a call's result from the plain value model (<see cref="ComponentValues"/>) to a .NET type the app names
/// (PDP-ARGS-4): records to records or classes by field name (kebab-case to PascalCase, through a constructor whose
/// parameters name the fields, or settable properties), lists to arrays and lists, options to nullables, results to
/// <see cref="PluginResult{TValue, TError}"/>, enums and flags to .NET enums or strings, variants to an abstract
/// type with one nested subtype per case, tuples to value tuples, maps to dictionaries, integers to any integral type
/// they fit. A mismatch names the path to the part, its WIT type and the .NET type.
/// </summary>
internal static class TypedValues
{
    public static object? Convert(object? value, WitType type, Type target, string path)
    {
        if (target == typeof(object)) return value;
        if (Nullable.GetUnderlyingType(target) is { } underlying)
            return value is null ? null : Convert(value, type is WitOption o ? o.Inner : type, underlying, path);
        switch (type)
        {
            case WitOption option:
                if (value is null)
                    return target.IsValueType ? throw Mismatch(path, type, target, "none needs a nullable type") : null;
                return Convert(value, option.Inner, target, path);
            case WitResultType rt when IsPluginResult(target):
            {
                var r = (WitResult)value!;
                var args = target.GetGenericArguments();
                var payloadType = r.IsOk ? rt.Ok : rt.Err;
                var payload = payloadType is null ? null : Convert(r.Value, payloadType, args[r.IsOk ? 0 : 1], $"{path}.{(r.IsOk ? "ok" : "err")}");
                return target.GetMethod(r.IsOk ? "Ok" : "Err", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [payload]);
            }
            case WitResultType rt:
            {
                // Any other type takes the ok payload (an err never gets here: it fails the call first).
                var r = (WitResult)value!;
                if (!r.IsOk || rt.Ok is null) throw Mismatch(path, type, target, "only a PluginResult<,> can hold this result");
                return Convert(r.Value, rt.Ok, target, $"{path}.ok");
            }
        }
        if (target.IsInstanceOfType(value) && type is not (WitRecord or WitVariant or WitTuple) && !(value is IList && target != value.GetType())) return value;
        return type switch
        {
            WitPrimitive p => Primitive(value!, p, target, path),
            WitList list => List(value!, list, target, path),
            WitRecord record => Record(value!, record, target, path),
            WitTuple tuple => Tuple(value!, tuple, target, path),
            WitEnum => Enum((string)value!, type, target, path),
            WitFlags => Flags((IEnumerable<string>)value!, type, target, path),
            WitVariant variant => Variant((WitVariantValue)value!, variant, target, path),
            WitMap map => Map(value!, map, target, path),
            _ => throw Mismatch(path, type, target, "values of this type are not mapped to .NET types"),
        };
    }

    public static bool IsPluginResult(Type t) => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(PluginResult<,>);

    /// <summary><c>field-name</c> as a .NET member name: <c>FieldName</c>.</summary>
    public static string Pascal(string kebab) =>
        string.Concat(kebab.Split('-').Where(w => w.Length > 0).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static PluginException Mismatch(string path, WitType type, Type target, string? why = null) =>
        new(PluginErrorCode.ResultMismatch, $"the result{path} ({type}) does not fit .NET type {Name(target)}{(why is null ? "" : $": {why}")}");

    private static string Name(Type t) =>
        t.IsGenericType ? $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(Name))}>" : t.Name;

    private static object Primitive(object value, WitPrimitive type, Type target, string path)
    {
        if (value is Rune rune)
        {
            if (target == typeof(string)) return rune.ToString();
            if (target == typeof(char) && rune.IsBmp) return (char)rune.Value;
            throw Mismatch(path, type, target, target == typeof(char) ? $"{rune} is outside the Basic Multilingual Plane; use Rune or string" : null);
        }
        if (target == typeof(Rune) && value is string) throw Mismatch(path, type, target);
        if (value is IConvertible && IsNumber(value) && IsNumber(target))
        {
            try
            {
                return System.Convert.ChangeType(value, target, CultureInfo.InvariantCulture);
            }
            catch (OverflowException)
            {
                throw Mismatch(path, type, target, $"{value} is out of its range");
            }
        }
        throw Mismatch(path, type, target);
    }

    private static bool IsNumber(object value) => IsNumber(value.GetType());

    private static bool IsNumber(Type t) =>
        t == typeof(sbyte) || t == typeof(byte) || t == typeof(short) || t == typeof(ushort) || t == typeof(int) || t == typeof(uint)
        || t == typeof(long) || t == typeof(ulong) || t == typeof(float) || t == typeof(double) || t == typeof(decimal);

    private static object List(object value, WitList type, Type target, string path)
    {
        var items = value is byte[] bytes ? bytes.Cast<object?>().ToList() : (IList<object?>)value;
        if (ElementOf(target) is not { } element) throw Mismatch(path, type, target, "a list needs an array, List<T> or another list type");
        if (value is byte[] raw && element == typeof(byte))
            return target.IsArray ? raw : target.IsAssignableFrom(typeof(byte[])) ? raw : new List<byte>(raw);
        var array = Array.CreateInstance(element, items.Count);
        for (var i = 0; i < items.Count; i++) array.SetValue(Convert(items[i], type.Element, element, $"{path}[{i}]"), i);
        if (target.IsArray || target.IsAssignableFrom(array.GetType())) return array;
        var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
        foreach (var item in array) list.Add(item);
        return target.IsAssignableFrom(list.GetType()) ? list : throw Mismatch(path, type, target);
    }

    private static Type? ElementOf(Type target)
    {
        if (target.IsArray) return target.GetElementType();
        if (!target.IsGenericType) return null;
        var def = target.GetGenericTypeDefinition();
        return def == typeof(List<>) || def == typeof(IList<>) || def == typeof(IReadOnlyList<>) || def == typeof(IEnumerable<>)
               || def == typeof(ICollection<>) || def == typeof(IReadOnlyCollection<>)
            ? target.GetGenericArguments()[0]
            : null;
    }

    private static object Record(object value, WitRecord type, Type target, string path)
    {
        var fields = (IReadOnlyDictionary<string, object?>)value;
        WitField? FieldFor(string member) => type.Fields.FirstOrDefault(f => string.Equals(Pascal(f.Name), member, StringComparison.OrdinalIgnoreCase));
        // The constructor whose parameters all name fields (a positional record's), else a parameterless one and properties.
        var ctor = target.GetConstructors().Where(c => c.GetParameters().Length > 0 && c.GetParameters().All(p => FieldFor(p.Name!) is not null))
            .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (ctor is null && target.GetConstructor(Type.EmptyTypes) is null)
            throw Mismatch(path, type, target, "it needs a constructor whose parameters are named after the fields, or a parameterless one");
        var used = new HashSet<string>(StringComparer.Ordinal);
        object instance;
        if (ctor is not null)
        {
            var args = ctor.GetParameters().Select(p =>
            {
                var field = FieldFor(p.Name!)!;
                used.Add(field.Name);
                return Convert(fields[field.Name], field.Type, p.ParameterType, $"{path}.{field.Name}");
            }).ToArray();
            instance = ctor.Invoke(args);
        }
        else instance = Activator.CreateInstance(target)!;
        foreach (var property in target.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic))
        {
            if (FieldFor(property.Name) is not { } field || used.Contains(field.Name)) continue;
            property.SetValue(instance, Convert(fields[field.Name], field.Type, property.PropertyType, $"{path}.{field.Name}"));
            used.Add(field.Name);
        }
        var required = target.GetProperties().Where(p => p.GetCustomAttribute<System.Runtime.CompilerServices.RequiredMemberAttribute>() is not null)
            .FirstOrDefault(p => FieldFor(p.Name) is null);
        if (required is not null) throw Mismatch(path, type, target, $"required property {required.Name} has no field");
        if (used.Count == 0 && type.Fields.Count > 0) throw Mismatch(path, type, target, $"no member is named after a field ({string.Join(", ", type.Fields.Select(f => f.Name))})");
        return instance;
    }

    private static object Tuple(object value, WitTuple type, Type target, string path)
    {
        var items = (object?[])value;
        var args = target.IsGenericType ? target.GetGenericArguments() : [];
        var isTuple = target.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true || target.FullName?.StartsWith("System.Tuple`", StringComparison.Ordinal) == true;
        if (!isTuple || args.Length != items.Length || items.Length > 7)
            throw Mismatch(path, type, target, $"a tuple of {items.Length} needs a ValueTuple or Tuple of {items.Length}");
        var converted = items.Select((item, i) => Convert(item, type.Types[i], args[i], $"{path}.{i}")).ToArray();
        return Activator.CreateInstance(target, converted)!;
    }

    private static object Enum(string name, WitType type, Type target, string path)
    {
        if (target == typeof(string)) return name;
        if (!target.IsEnum) throw Mismatch(path, type, target, "an enum needs a .NET enum or string");
        return System.Enum.TryParse(target, Pascal(name), ignoreCase: true, out var parsed)
            ? parsed!
            : throw Mismatch(path, type, target, $"{Name(target)} has no member for case {name} ({Pascal(name)})");
    }

    private static object Flags(IEnumerable<string> names, WitType type, Type target, string path)
    {
        var set = names.ToList();
        if (target.IsEnum)
        {
            ulong bits = 0;
            foreach (var n in set) bits |= System.Convert.ToUInt64(Enum(n, type, target, path), CultureInfo.InvariantCulture);
            return System.Enum.ToObject(target, bits);
        }
        if (target == typeof(string[])) return set.ToArray();
        if (target.IsAssignableFrom(typeof(HashSet<string>))) return new HashSet<string>(set, StringComparer.Ordinal);
        if (target.IsAssignableFrom(typeof(List<string>))) return set;
        throw Mismatch(path, type, target, "flags need a [Flags] enum, string[] or a set of strings");
    }

    private static object Variant(WitVariantValue value, WitVariant type, Type target, string path)
    {
        if (target == typeof(WitVariantValue)) return value;
        var payloadType = type.Cases[type.IndexOf(value.Tag)].Payload;
        if (target.IsEnum && payloadType is null) return Enum(value.Tag, type, target, path);
        // An abstract base with one nested subtype per case: Lifetime.Days(uint Value), Lifetime.Forever().
        var caseType = target.GetNestedTypes(BindingFlags.Public).FirstOrDefault(t => target.IsAssignableFrom(t) && string.Equals(t.Name, Pascal(value.Tag), StringComparison.OrdinalIgnoreCase))
            ?? throw Mismatch(path, type, target, $"no nested subtype of {Name(target)} is named {Pascal(value.Tag)} for case {value.Tag} (or ask for WitVariantValue)");
        if (payloadType is null) return Activator.CreateInstance(caseType)!;
        var ctor = caseType.GetConstructors().FirstOrDefault(c => c.GetParameters().Length == 1)
            ?? throw Mismatch(path, type, target, $"{caseType.Name} needs a constructor taking the payload ({payloadType})");
        return ctor.Invoke([Convert(value.Value, payloadType, ctor.GetParameters()[0].ParameterType, $"{path}.{value.Tag}")]);
    }

    private static object Map(object value, WitMap type, Type target, string path)
    {
        var pairs = (IEnumerable<KeyValuePair<object?, object?>>)value;
        var args = target.IsGenericType ? target.GetGenericArguments() : [];
        if (args.Length != 2) throw Mismatch(path, type, target, "a map needs a Dictionary<K, V>");
        var dict = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
        foreach (var (k, v) in pairs) dict[Convert(k, type.Key, args[0], $"{path}[key]")!] = Convert(v, type.Value, args[1], $"{path}[{k}]");
        return target.IsAssignableFrom(dict.GetType()) ? dict : throw Mismatch(path, type, target);
    }
}
