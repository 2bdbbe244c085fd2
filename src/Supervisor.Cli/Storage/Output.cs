using Supervisor.Plugins.Configuration;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Storage;

namespace Supervisor.Cli.Storage;

/// <summary>How the storage commands print: a summary line or its JSON, tables or JSON arrays, names of records.</summary>
internal static class Output
{
    public static readonly JsonSerializerOptions LineJson = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Quote(string key) => JsonSerializer.Serialize(key, LineJson);

    public static string Where(BucketId id) =>
        $"bucket {id.Bucket} ({(id.Mode == DbMode.Transactional ? "trx" : "non-trx")}) of service {id.Service} on chain {id.Chain}";

    public static string Describe(string? chain, string? service) =>
        chain is null ? "all chains" : service is null ? $"chain {chain}" : $"service {service} on chain {chain}";

    public static string Count(long n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    public static void Print(CliConsole console, bool json, JsonObject data, string text) =>
        console.Out.WriteLine(json ? data.ToJsonString(LineJson) : text);

    /// <summary>A table row: <paramref name="columns"/>, then the usage's items and bytes.</summary>
    public static JsonObject Row(UsageEntry usage, params (string Name, string Value)[] columns)
    {
        var o = new JsonObject();
        foreach (var (name, value) in columns) o[name] = value;
        o["items"] = usage.Items;
        o["bytes"] = usage.Bytes;
        return o;
    }

    /// <summary>Rows as a JSON array (sizes in bytes), or as aligned columns: the named ones, then ITEMS and SIZE in human units.</summary>
    public static void Table(CliConsole console, bool json, IEnumerable<JsonObject> rows, string[] headings, string empty)
    {
        var list = rows.ToList();
        if (json)
        {
            console.Out.WriteLine(new JsonArray([.. list]).ToJsonString(LineJson));
            return;
        }
        if (list.Count == 0)
        {
            console.Out.WriteLine(empty);
            return;
        }
        string[][] cells = [[.. headings, "ITEMS", "SIZE"], .. list.Select(o => o.Select(p => p.Key == "bytes" ? Units.FormatSize(p.Value!.GetValue<long>()) : p.Value!.ToString()).ToArray())];
        var widths = Enumerable.Range(0, cells[0].Length).Select(c => cells.Max(row => row[c].Length)).ToArray();
        foreach (var row in cells)
            console.Out.WriteLine(string.Join("  ", row.Select((cell, c) => c < headings.Length ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }
}
