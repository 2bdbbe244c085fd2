using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// The host interfaces the supervisor provides, each with its exact type: the one list that the import
/// check, the linker and the byte adapters read. The types come from <c>host-interfaces.wasm</c>, a
/// component built from <c>wit/</c> (<c>npm run build:host-reference</c>) that imports every host
/// interface; a plugin's import of a host interface must declare a subset of those functions and
/// resources with exactly those types, because the native host functions trust the declared types
/// when they read arguments and write results.
/// </summary>
internal static class HostCatalog
{
    public const string ClientData = "clientdata:plugin/keyvalue";
    public const string ClientApi = "host:client/api";
    public const string CommonClient = "host:common/client";
    public const string DbStore = "host:db/store";
    public const string CommonStore = "host:common/store";
    public const string KeyValueStoreDraft = "wasi:keyvalue/store@0.2.0-draft";
    public const string KeyValueAtomicsDraft = "wasi:keyvalue/atomics@0.2.0-draft";
    public const string KeyValueBatchDraft = "wasi:keyvalue/batch@0.2.0-draft";
    public const string KeyValueStoreDraft2 = "wasi:keyvalue/store@0.2.0-draft2";
    public const string KeyValueAtomicsDraft2 = "wasi:keyvalue/atomics@0.2.0-draft2";
    public const string KeyValueBatchDraft2 = "wasi:keyvalue/batch@0.2.0-draft2";

    /// <summary>Every interface the host provides; the reference component must import each with a type.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        ClientData, ClientApi, CommonClient, DbStore, CommonStore,
        KeyValueStoreDraft, KeyValueAtomicsDraft, KeyValueBatchDraft,
        KeyValueStoreDraft2, KeyValueAtomicsDraft2, KeyValueBatchDraft2,
    ];

    private static readonly HashSet<string> s_names = new(Names, StringComparer.Ordinal);
    private static readonly Lazy<IReadOnlyDictionary<string, ComponentItemInfo>> s_types = new(ReadReference);

    /// <summary>True when <paramref name="name"/> (versions included) is a host interface.</summary>
    public static bool Provides(string name) => s_names.Contains(name);

    /// <summary>The host's own type of interface <paramref name="name"/>: its functions, resources and named types.</summary>
    public static ComponentItemInfo TypeOf(string name) =>
        s_types.Value.TryGetValue(name, out var item) ? item : throw new ArgumentException($"{name} is not a host interface", nameof(name));

    /// <summary>
    /// Why <paramref name="import"/> (an instance import naming a host interface) does not match the host's type,
    /// naming the item and both types; null when every item it declares is the host's, with the host's type.
    /// </summary>
    public static string? Mismatch(ComponentItemInfo import)
    {
        var host = TypeOf(import.Name);
        var problems = new List<string>();
        foreach (var item in import.Exports)
        {
            var own = host.Find(item.Name);
            if (own is null || own.Kind != item.Kind)
            {
                problems.Add(own is null
                    ? $"the host has no {KindName(item.Kind)} \"{item.Name}\" in {import.Name}"
                    : $"\"{item.Name}\" is declared as a {KindName(item.Kind)}, but the host's is a {KindName(own.Kind)}");
                continue;
            }
            var declared = Render(item);
            var expected = Render(own);
            if (declared != expected)
                problems.Add($"{item.Name} is declared as {declared}, but the host's type is {expected}");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string Render(ComponentItemInfo item) => item.Kind switch
    {
        ComponentItemKind.Func => item.Function!.ToString(),
        ComponentItemKind.Type => item.Type?.ToString() ?? "type",
        _ => KindName(item.Kind),
    };

    private static string KindName(ComponentItemKind kind) => kind switch
    {
        ComponentItemKind.Func => "function",
        ComponentItemKind.CoreFunc => "core function",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static IReadOnlyDictionary<string, ComponentItemInfo> ReadReference()
    {
        using var engine = new WasmtimeEngine(new EngineOptions { ParallelCompilation = false });
        using var component = engine.Compile(ReadResource("host-interfaces.wasm"));
        var imports = component.Type.Imports
            .Where(i => i.Kind == ComponentItemKind.Instance)
            .ToDictionary(i => i.Name, StringComparer.Ordinal);
        var missing = Names.Where(n => !imports.ContainsKey(n)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"the host reference component lacks {string.Join(", ", missing)}: rebuild it from wit/ (npm run build:host-reference)");
        return imports.Where(kv => s_names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
    }

    private static byte[] ReadResource(string name)
    {
        var assembly = typeof(HostCatalog).Assembly;
        var resource = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("." + name, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"embedded resource {name} is missing from {assembly.GetName().Name}");
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Every function of every host interface with its type, one per line (for diagnostics and tests).</summary>
    public static string Describe()
    {
        var sb = new StringBuilder();
        foreach (var name in Names)
            foreach (var item in TypeOf(name).Exports)
                sb.Append(name).Append('.').Append(item.Name).Append(": ").Append(Render(item)).Append('\n');
        return sb.ToString();
    }
}
