using Supervisor.Plugins.Configuration;
using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary><c>storage get</c>, <c>set</c> and <c>delete</c>: one persistent record of any namespace; <c>storage keys</c>: a bucket's keys.</summary>
internal static class RecordCommands
{
    public static IEnumerable<Command> Create(StorageContext context)
    {
        var console = context.Console;
        var getJson = Json("Print {\"key\", \"value\", \"encoding\"}: encoding utf8 (value is the text) or base64");
        var get = Record(context, "get",
            "Prints the value of a persistent record (--service and --bucket required; --chain defaults to local): as text when it is "
            + "printable UTF-8, as base64 otherwise (a note on stderr says so); a missing key exits 1",
            (r, id, k, bucket) =>
            {
                if (bucket.Get(k) is not { } value) return null;
                var text = PrintableText(value);
                if (text is null && !r.GetValue(getJson))
                    console.Error.WriteLine("note: the value is not printable UTF-8 text; shown as base64");
                var shown = text ?? Convert.ToBase64String(value);
                return (new JsonObject { ["key"] = k, ["value"] = shown, ["encoding"] = text is null ? "base64" : "utf8" }, shown);
            }, getJson);

        var value = new Argument<string>("value") { Description = "The value: text stored as UTF-8, or base64 with --base64" };
        var base64 = new Option<bool>("--base64") { Description = "VALUE is base64 (for binary values)" };
        var set = Record(context, "set",
            "Creates or replaces a persistent record (--service and --bucket required; --chain defaults to local); the service's quota "
            + "applies (exit 1)",
            (r, id, k, bucket) =>
            {
                var v = r.GetValue(value)!;
                byte[] bytes;
                if (!r.GetValue(base64)) bytes = Encoding.UTF8.GetBytes(v);
                else
                {
                    try { bytes = Convert.FromBase64String(v); }
                    catch (FormatException e) { throw new ArgumentException("VALUE is not base64 (--base64)", e); }
                }
                bucket.Set(k, bytes);
                return (new JsonObject { ["key"] = k, ["bytes"] = bytes.Length }, $"set {Quote(k)} in {Where(id)} ({Units.FormatSize(bytes.Length)})");
            }, Json("Print the summary as JSON"), value, base64);

        var delete = Record(context, "delete",
            "Deletes a persistent record (--service and --bucket required; --chain defaults to local); a missing key exits 1",
            (r, id, k, bucket) => bucket.Delete(k)
                ? (new JsonObject { ["key"] = k, ["deleted"] = true }, $"deleted {Quote(k)} from {Where(id)}")
                : null,
            Json("Print the summary as JSON"));
        return [get, set, delete, KeysCommand(context)];
    }

    /// <summary>The bucket that <c>--chain</c>, <c>--service</c>, <c>--bucket</c> and <c>--mode</c> name (all but mode required).</summary>
    private static BucketId BucketOf(ParseResult r, string name, Option<string?> service, Option<string?> bucket, Option<string> mode)
    {
        var (chain, svc) = Selection(r, service);
        if (chain is null || svc is null || r.GetValue(bucket) is not { } b)
            throw new ArgumentException($"storage {name} needs --service and --bucket");
        CliErrors.Set("--bucket", () => Names.ValidateBucket(b));
        return new BucketId(chain, r.GetValue(mode) == "trx" ? DbMode.Transactional : DbMode.NonTransactional, svc, b);
    }

    /// <summary>The most keys one <c>storage keys</c> prints (the engine's largest page).</summary>
    private const int MaxLimit = Keys.MaxPageSize;

    private static Command KeysCommand(StorageContext context)
    {
        var console = context.Console;
        var service = Service("The service (required) that owns the bucket, such as clientdata");
        var bucket = Bucket();
        var mode = Mode();
        var prefix = new Option<string?>("--prefix") { Description = "Only keys that start with this text", HelpName = "PREFIX" };
        var limit = new Option<int>("--limit")
        {
            Description = $"The most keys to print, 1 to {MaxLimit}",
            HelpName = "N",
            DefaultValueFactory = _ => Keys.DefaultPageSize,
        };
        var after = new Option<string?>("--after")
        {
            Description = "Start after this key (the next page: pass the last key printed, or the JSON's \"next\")",
            HelpName = "KEY",
        };
        var json = Json("Print {\"keys\": [...], \"next\": KEY or null}: next is the --after of the next page");
        var command = new Command("keys",
            "Lists a bucket's persistent keys in the order of their UTF-8 bytes, a page at a time (--service and --bucket required); when more keys follow, a note on stderr says how to get the next page");
        foreach (var o in new Option[] { service, bucket, mode, prefix, limit, after, json }) command.Options.Add(o);
        context.SetAction(command, r =>
        {
            var id = BucketOf(r, "keys", service, bucket, mode);
            var n = r.GetValue(limit);
            if (n is < 1 or > MaxLimit) throw new ArgumentException($"--limit: {n} is out of range; give 1 to {MaxLimit}");
            var start = r.GetValue(after);
            var p = r.GetValue(prefix);
            using var store = context.Open(r);
            if (start is not null) CliErrors.Set("--after", () => Keys.Validate(start, store.Limits.MaxKeyBytes));
            if (p is not null) CliErrors.Set("--prefix", () => Keys.Validate(p, store.Limits.MaxKeyBytes));
            using var session = store.OpenSession();
            using var operation = session.BeginOperation();
            var records = operation.OpenBucket(id, StorageDuration.Persistent);
            var (keys, more) = Page(records, p, start, n);
            operation.Commit();
            var next = more ? keys[^1] : null;
            if (r.GetValue(json))
            {
                console.Out.WriteLine(new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode?)k)]), ["next"] = next }.ToJsonString(LineJson));
                return ExitCodes.Success;
            }
            foreach (var k in keys) console.Out.WriteLine(PrintableText(Encoding.UTF8.GetBytes(k)) is { } text && !text.Contains('\n') && !text.Contains('\r') ? k : Quote(k));
            if (keys.Count == 0) console.Error.WriteLine($"note: no keys{(p is null ? "" : $" starting with {Quote(p)}")} in {Where(id)}{(start is null ? "" : $" after {Quote(start)}")}");
            if (next is not null) console.Error.WriteLine($"note: more keys follow; the next page: --after {Quote(next)}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> keys after <paramref name="after"/> that start with <paramref name="prefix"/>, through
    /// the bucket's own listing (pages and cursors), and whether more follow. Keys with a prefix sit together in UTF-8 byte
    /// order right after the prefix itself, so the listing starts there and stops at the first key without it.
    /// </summary>
    private static (List<string> Keys, bool More) Page(Bucket bucket, string? prefix, string? after, int limit)
    {
        var keys = new List<string>(limit + 1);
        if (prefix is not null && (after is null || Keys.Utf8Order.Compare(after, prefix) < 0))
        {
            if (bucket.Get(prefix) is not null) keys.Add(prefix);
            after = prefix;
        }
        var cursor = after is null ? null : Keys.CursorAfter(after);
        while (keys.Count <= limit)
        {
            var page = bucket.ListKeys(cursor, Math.Min(MaxLimit, limit + 1 - keys.Count));
            foreach (var k in page.Keys)
            {
                if (prefix is not null && !k.StartsWith(prefix, StringComparison.Ordinal)) return (keys, false);
                keys.Add(k);
                if (keys.Count > limit) break;
            }
            if (page.Cursor is null) break;
            cursor = page.Cursor;
        }
        var more = keys.Count > limit;
        if (more) keys.RemoveAt(keys.Count - 1);
        return (keys, more);
    }

    /// <summary>A command on one record: <paramref name="body"/> returns what to print, or null when the key is missing (exit 1).</summary>
    private static Command Record(StorageContext context, string name, string description,
        Func<ParseResult, BucketId, string, Bucket, (JsonObject Data, string Text)?> body, Option<bool> json, params Symbol[] extra)
    {
        var console = context.Console;
        var service = Service("The service (required) that owns the bucket, such as clientdata");
        var bucket = Bucket();
        var mode = Mode();
        var key = new Argument<string>("key") { Description = "The record's key" };
        var command = new Command(name, description);
        foreach (var o in new Option[] { service, bucket, mode, json }) command.Options.Add(o);
        command.Arguments.Add(key);
        foreach (var x in extra)
            if (x is Argument a) command.Arguments.Add(a); else command.Options.Add((Option)x);
        context.SetAction(command, r =>
        {
            var id = BucketOf(r, name, service, bucket, mode);
            var k = r.GetValue(key)!;
            using var store = context.Open(r);
            // Under the owner's turn, so a write never lands inside a plugin's read-modify-write (PDP-TURN-7).
            using var turn = name == "get" ? null : store.TakeAdminTurns($"storage {name}", [(id.Chain, id.Owner)]);
            using var session = store.OpenSession();
            using var operation = session.BeginOperation();
            if (body(r, id, k, operation.OpenBucket(id, StorageDuration.Persistent)) is not { } done)
            {
                console.Error.WriteLine($"error: no record {Quote(k)} in {Where(id)}" + (name == "delete" ? "; nothing was deleted" : ""));
                return ExitCodes.PluginFailed;
            }
            operation.Commit();
            console.Out.WriteLine(r.GetValue(json) ? done.Data.ToJsonString(LineJson) : done.Text);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The value as text when it is valid UTF-8 without control characters (other than tab and line breaks).</summary>
    private static string? PrintableText(byte[] value)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(value);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        foreach (var c in text)
            if (char.IsControl(c) && c is not ('\t' or '\n' or '\r') || c == '\uFEFF') return null;
        return text;
    }
}
