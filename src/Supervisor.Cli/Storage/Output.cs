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

    public static JsonObject Row((string Name, string Value) first, UsageEntry usage, (string Name, string Value)? second = null)
    {
        var o = new JsonObject { [first.Name] = first.Value };
        if (second is { } s) o[s.Name] = s.Value;
        o["items"] = usage.Items;
        o["bytes"] = usage.Bytes;
        return o;
    }

    /// <summary>Rows as a JSON array, or as aligned columns (the named ones, then ITEMS and BYTES).</summary>
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
        string[][] cells = [[.. headings, "ITEMS", "BYTES"], .. list.Select(o => o.Select(p => p.Value!.ToString()).ToArray())];
        var widths = Enumerable.Range(0, cells[0].Length).Select(c => cells.Max(row => row[c].Length)).ToArray();
        foreach (var row in cells)
            console.Out.WriteLine(string.Join("  ", row.Select((cell, c) => c < headings.Length ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }
}
