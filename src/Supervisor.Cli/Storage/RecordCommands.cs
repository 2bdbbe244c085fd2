using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary><c>storage get</c>, <c>set</c> and <c>delete</c>: one persistent record of any namespace.</summary>
internal static class RecordCommands
{
    public static IEnumerable<Command> Create(StorageContext context)
    {
        var console = context.Console;
        var getJson = Json("Print {\"key\", \"value\", \"encoding\"}: encoding utf8 (value is the text) or base64");
        var get = Record(context, "get",
            "Prints the value of a persistent record (--chain, --service and --bucket required): as text when it is "
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
            "Creates or replaces a persistent record (--chain, --service and --bucket required); the service's quota "
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
                return (new JsonObject { ["key"] = k, ["bytes"] = bytes.Length }, $"set {Quote(k)} in {Where(id)} ({Count(bytes.Length, "byte")})");
            }, Json("Print the summary as JSON"), value, base64);

        var delete = Record(context, "delete",
            "Deletes a persistent record (--chain, --service and --bucket required); a missing key exits 1",
            (r, id, k, bucket) => bucket.Delete(k)
                ? (new JsonObject { ["key"] = k, ["deleted"] = true }, $"deleted {Quote(k)} from {Where(id)}")
                : null,
            Json("Print the summary as JSON"));
        return [get, set, delete];
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
            var (chain, svc) = Selection(r, service);
            if (chain is null || svc is null || r.GetValue(bucket) is not { } b)
                throw new ArgumentException($"storage {name} needs --chain, --service and --bucket");
            var id = new BucketId(chain, r.GetValue(mode) == "trx" ? DbMode.Transactional : DbMode.NonTransactional, svc, b);
            var k = r.GetValue(key)!;
            using var store = context.Open(r);
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
