using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using Supervisor.Storage.Sync;

namespace Supervisor.Cli;

/// <summary>
/// <c>supervisor storage</c>: export, import, clone, list, usage, clear, get, set and delete on the store that
/// <c>--store</c>/<c>--domain</c> select. Export, import and clone show a progress line on stderr when it is a
/// terminal. Exit codes: 0 success, 1 the operation failed (a conflict under <c>--on-conflict fail</c>, a quota, the
/// backend, a missing key for get and delete), 2 bad usage, a bad archive (the message names its line) or a store that
/// cannot be opened.
/// </summary>
internal static class StorageCommands
{
    private static readonly JsonSerializerOptions LineJson = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Builds the <c>storage</c> command; <paramref name="settingsOf"/> reads the global options of a parse.</summary>
    public static Command Create(Func<ParseResult, Settings> settingsOf, CliConsole console)
    {
        var storage = new Command("storage",
            "Manages the store that --store (or --domain) selects: moves persistent records between stores, files and "
            + "psibase's browser LocalStorage, and lists, measures and clears them. --chain selects one chain (all chains when "
            + "not given, where a command allows it). Exit codes: 0 success, 1 the operation failed (a conflict under "
            + "--on-conflict fail, a quota, the backend, a missing key for get and delete), 2 bad usage, a bad archive (the "
            + "message names its line) or a store that cannot be opened.");

        Option<string?> Service(string what) => new("--service") { Description = what, HelpName = "SERVICE" };
        Option<bool> Json(string what) => new("--json") { Description = what };
        Option<string> Format(string what)
        {
            var o = new Option<string>("--format")
            {
                Description = what + ": jsonl (this supervisor's archive: a header line, one record per line with a base64 value, "
                    + "an end line) or localstorage (psibase's browser LocalStorage: one JSON object, keys "
                    + "<chain>:<non-trx|trx>:<service>:<bucket>:<key>, values base64; also spelled psibase-localstorage)",
                HelpName = "FORMAT",
                DefaultValueFactory = _ => "jsonl",
            };
            o.AcceptOnlyFromAmong("jsonl", "localstorage", "psibase-localstorage");
            return o;
        }
        Option<string> OnConflict()
        {
            var o = new Option<string>("--on-conflict")
            {
                Description = "What to do with a record that already exists in the target: overwrite (the incoming record wins), "
                    + "skip (the target's record stays), or fail (refuse the whole import before writing anything; exit code 1)",
                HelpName = "POLICY",
                DefaultValueFactory = _ => "fail",
            };
            o.AcceptOnlyFromAmong("overwrite", "skip", "fail");
            return o;
        }

        // export
        {
            var service = Service("Export only this service's records (needs --chain)");
            var format = Format("The archive format");
            var output = new Option<string>("--out") { Description = "The archive file to write (- writes to standard output)", HelpName = "FILE", Required = true };
            var json = Json("Print the summary as JSON");
            var export = new Command("export",
                "Writes the store's persistent records (all chains, or --chain's, or --chain and --service's) to an archive; "
                + "it streams, so memory stays flat however many records there are");
            foreach (var o in new Option[] { service, format, output, json }) export.Options.Add(o);
            export.SetAction(r => Guard(console, () =>
            {
                var (chain, svc) = Selection(r, service);
                var path = r.GetValue(output)!;
                var fmt = FormatOf(r.GetValue(format));
                using var store = Open(settingsOf(r), console);
                using var progress = new Progress(console, "exporting", fmt);
                if (path == "-")
                {
                    using var stdout = new TextWriterStream(console.Out);
                    progress.Done(StorageArchive.Export(store, progress.Watch(stdout), chain, svc, fmt));
                    stdout.Flush();
                    // A LocalStorage dump is one JSON object without a line end: end the line on a terminal or pipe.
                    if (fmt == ArchiveFormat.PsibaseLocalStorage) console.Out.WriteLine();
                    return ExitCodes.Success;
                }
                var partial = path + ".partial";
                long n;
                try
                {
                    using (var file = PrivateFiles.Create(partial))
                        n = progress.Done(StorageArchive.Export(store, progress.Watch(file), chain, svc, fmt));
                    File.Move(partial, path, overwrite: true);
                }
                catch
                {
                    File.Delete(partial);
                    throw;
                }
                Print(console, r.GetValue(json), new JsonObject { ["records"] = n, ["file"] = path, ["format"] = Name(fmt) },
                    $"exported {Count(n, "record")} ({Describe(chain, svc)}) to {path}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(export);
        }

        // import
        {
            var file = new Argument<string>("file") { Description = "The archive to read (- reads standard input)" };
            var format = Format("The archive format [default: told from the content]");
            format.DefaultValueFactory = null;
            var onConflict = OnConflict();
            var json = Json("Print the summary as JSON");
            var import = new Command("import",
                "Reads an archive into the store. The whole archive is validated first (format, record names, key and value "
                + "limits, and conflicts under --on-conflict fail): a malformed or truncated archive is refused with its line "
                + "number and nothing is written");
            import.Arguments.Add(file);
            foreach (var o in new Option[] { format, onConflict, json }) import.Options.Add(o);
            import.SetAction(r => Guard(console, () =>
            {
                var path = r.GetValue(file)!;
                var policy = PolicyOf(r.GetValue(onConflict));
                using Stream input = path == "-" ? new PeekableStream(new TextReaderStream(console.In)) : OpenArchive(path);
                // --format overrides; else the content tells: this supervisor's archive starts with its header line.
                var fmt = r.GetValue(format) is { } named ? FormatOf(named) : StorageArchive.DetectFormat(Start(input));
                using var store = Open(settingsOf(r), console);
                ImportResult result;
                try
                {
                    using var progress = new Progress(console, "importing", fmt);
                    result = StorageArchive.Import(store, progress.Watch(input, fmt == ArchiveFormat.JsonLines ? "validating" : "importing", "importing"), policy, fmt);
                    progress.Done(result.Imported + result.Skipped);
                }
                catch (StorageException e)
                {
                    throw new StorageException(e.Code, $"{(path == "-" ? "standard input" : path)}: {e.Message}", e);
                }
                Print(console, r.GetValue(json), new JsonObject { ["imported"] = result.Imported, ["skipped"] = result.Skipped },
                    $"imported {Count(result.Imported, "record")}, skipped {result.Skipped}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(import);
        }

        // clone
        {
            var to = new Option<string>("--to")
            {
                Description = "The target store: a SQLite file path (created if missing) or a URI such as redis://host:port/db",
                HelpName = "PATH|URI",
                Required = true,
            };
            var fromStore = new Option<string?>("--from")
            {
                Description = "The source store (the same as --store): a SQLite file path or a URI such as redis://host:port/db",
                HelpName = "PATH|URI",
            };
            var service = Service("Clone only this service's records (needs --chain)");
            var onConflict = OnConflict();
            var json = Json("Print the summary as JSON");
            var clone = new Command("clone",
                "Copies the persistent records of the store (--store/--domain), or of --chain (and --service), into the --to "
                + "store, between any two backends; the same as export then import, streamed through a temporary file");
            foreach (var o in new Option[] { fromStore, to, service, onConflict, json }) clone.Options.Add(o);
            clone.SetAction(r => Guard(console, () =>
            {
                var (chain, svc) = Selection(r, service);
                var policy = PolicyOf(r.GetValue(onConflict));
                var settings = settingsOf(r);
                if (r.GetValue(fromStore) is { } source)
                {
                    if (settings.Store is not null && settings.Store != source)
                        throw new ArgumentException($"--from: \"{source}\" and --store \"{settings.Store}\" name two sources; give one");
                    settings = settings with { Store = source };
                }
                var target = r.GetValue(to)!;
                using var from = Open(settings, console);
                if (SameFile(settings, target))
                    throw new ArgumentException($"--to: \"{target}\" is the source store itself");
                using var into = Open(new StorageOptions { Location = target }, "--to", console);
                ImportResult result;
                if (console.ErrorIsTerminal)
                {
                    using var progress = new Progress(console, "cloning: reading", ArchiveFormat.JsonLines);
                    result = StorageArchive.Clone(from, into, chain, svc, policy,
                        temp => progress.Watch(temp), temp => progress.Watch(temp, "cloning: validating", "cloning: writing"));
                    progress.Done(result.Imported + result.Skipped);
                }
                else
                {
                    result = StorageArchive.Clone(from, into, chain, svc, policy);
                }
                Print(console, r.GetValue(json), new JsonObject { ["imported"] = result.Imported, ["skipped"] = result.Skipped, ["to"] = target },
                    $"cloned {Count(result.Imported, "record")} ({Describe(chain, svc)}) into {target}, skipped {result.Skipped}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(clone);
        }

        // list
        {
            var service = Service("With --chain: list this service's buckets");
            var json = Json("Print a JSON array");
            var list = new Command("list",
                "Lists the chains that hold records with their item counts and bytes; with --chain, that chain's services; "
                + "with --chain and --service, that service's buckets (mode and name)");
            list.Options.Add(service);
            list.Options.Add(json);
            list.SetAction(r => Guard(console, () =>
            {
                var (chain, svc) = Selection(r, service);
                using var store = Open(settingsOf(r), console);
                var asJson = r.GetValue(json);
                if (chain is null)
                    Table(console, asJson, store.ListChains().Select(u => Row(("chain", u.Name), u)), ["CHAIN"], "no chain holds records");
                else if (svc is null)
                    Table(console, asJson, store.ListServices(chain).Select(u => Row(("service", u.Name), u)), ["SERVICE"], $"no service holds records on chain {chain}");
                else
                    Table(console, asJson, store.ListBuckets(chain, svc).Select(b => Row(("mode", b.Bucket.Mode == DbMode.Transactional ? "trx" : "non-trx"), b.Usage, ("bucket", b.Bucket.Bucket))),
                        ["MODE", "BUCKET"], $"{svc} holds no records on chain {chain}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(list);
        }

        // usage
        {
            var service = Service("The service (required) whose usage is shown: records it owns, including its clientdata buckets");
            var json = Json("Print the usage as JSON");
            var usage = new Command("usage",
                "Shows the items and bytes charged to a service on a chain (--chain and --service required) against the quotas in force");
            usage.Options.Add(service);
            usage.Options.Add(json);
            usage.SetAction(r => Guard(console, () =>
            {
                var (chain, svc) = Selection(r, service);
                if (chain is null || svc is null) throw new ArgumentException("storage usage needs --chain and --service");
                using var store = Open(settingsOf(r), console);
                var u = store.GetUsage(chain, svc);
                var limits = store.Limits;
                Print(console, r.GetValue(json), new JsonObject
                {
                    ["chain"] = chain, ["service"] = svc, ["items"] = u.Items, ["bytes"] = u.Bytes,
                    ["quotaItems"] = limits.QuotaItems == 0 ? null : limits.QuotaItems,
                    ["quotaBytes"] = limits.QuotaBytes == 0 ? null : limits.QuotaBytes,
                },
                    $"{svc} on chain {chain}: {Count(u.Items, "item")} of {(limits.QuotaItems == 0 ? "unlimited" : limits.QuotaItems.ToString(CultureInfo.InvariantCulture))}, "
                    + $"{Count(u.Bytes, "byte")} of {(limits.QuotaBytes == 0 ? "unlimited" : limits.QuotaBytes.ToString(CultureInfo.InvariantCulture))}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(usage);
        }

        // clear
        {
            var service = Service("Clear only this service's records (the buckets it owns, not other services' clientdata about it)");
            var yes = new Option<bool>("--yes") { Description = "Confirm: without it nothing is deleted and the exit code is 2" };
            var json = Json("Print the summary as JSON");
            var clear = new Command("clear",
                "Deletes every persistent record of a chain (--chain required), or of one service on it; asks for --yes");
            foreach (var o in new Option[] { service, yes, json }) clear.Options.Add(o);
            clear.SetAction(r => Guard(console, () =>
            {
                var (chain, svc) = Selection(r, service);
                if (chain is null) throw new ArgumentException("storage clear needs --chain");
                if (!r.GetValue(yes))
                    throw new ArgumentException($"storage clear deletes every record of {Describe(chain, svc)}; add --yes to confirm (nothing was deleted)");
                using var store = Open(settingsOf(r), console);
                var n = store.Clear(chain, svc);
                Print(console, r.GetValue(json), new JsonObject { ["chain"] = chain, ["service"] = svc, ["cleared"] = n },
                    $"cleared {Count(n, "record")} of {Describe(chain, svc)}");
                return ExitCodes.Success;
            }));
            storage.Subcommands.Add(clear);
        }

        // get, set, delete: one record of any namespace (persistent data)
        {
            Option<string?> RecordService() => Service("The service (required) that owns the bucket, such as clientdata");
            Option<string?> Bucket() => new("--bucket") { Description = "The bucket (required)", HelpName = "BUCKET" };
            Option<string> Mode()
            {
                var o = new Option<string>("--mode")
                {
                    Description = "The bucket's mode: non-trx (written at once) or trx (transactional)",
                    HelpName = "MODE",
                    DefaultValueFactory = _ => "non-trx",
                };
                o.AcceptOnlyFromAmong("non-trx", "trx");
                return o;
            }
            Argument<string> Key() => new("key") { Description = "The record's key" };

            Command Record(string name, string description, Func<ParseResult, BucketId, string, Bucket, (JsonObject Data, string Text)?> body,
                Option<bool> json, params Symbol[] extra)
            {
                var service = RecordService();
                var bucket = Bucket();
                var mode = Mode();
                var key = Key();
                var command = new Command(name, description);
                foreach (var o in new Option[] { service, bucket, mode, json }) command.Options.Add(o);
                command.Arguments.Add(key);
                foreach (var x in extra)
                    if (x is Argument a) command.Arguments.Add(a); else command.Options.Add((Option)x);
                command.SetAction(r => Guard(console, () =>
                {
                    var (chain, svc) = Selection(r, service);
                    if (chain is null || svc is null || r.GetValue(bucket) is not { } b)
                        throw new ArgumentException($"storage {name} needs --chain, --service and --bucket");
                    var id = new BucketId(chain, r.GetValue(mode) == "trx" ? DbMode.Transactional : DbMode.NonTransactional, svc, b);
                    var k = r.GetValue(key)!;
                    using var store = Open(settingsOf(r), console);
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
                }));
                return command;
            }

            var getJson = Json("Print {\"key\", \"value\", \"encoding\"}: encoding utf8 (value is the text) or base64");
            storage.Subcommands.Add(Record("get",
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
                }, getJson));

            var value = new Argument<string>("value") { Description = "The value: text stored as UTF-8, or base64 with --base64" };
            var base64 = new Option<bool>("--base64") { Description = "VALUE is base64 (for binary values)" };
            storage.Subcommands.Add(Record("set",
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
                }, Json("Print the summary as JSON"), value, base64));

            storage.Subcommands.Add(Record("delete",
                "Deletes a persistent record (--chain, --service and --bucket required); a missing key exits 1",
                (r, id, k, bucket) => bucket.Delete(k)
                    ? (new JsonObject { ["key"] = k, ["deleted"] = true }, $"deleted {Quote(k)} from {Where(id)}")
                    : null,
                Json("Print the summary as JSON")));
        }

        return storage;
    }

    private static string Quote(string key) => JsonSerializer.Serialize(key, LineJson);

    private static string Where(BucketId id) =>
        $"bucket {id.Bucket} ({(id.Mode == DbMode.Transactional ? "trx" : "non-trx")}) of service {id.Service} on chain {id.Chain}";

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

    /// <summary>Runs a command body and maps failures to a message on stderr and an exit code.</summary>
    private static int Guard(CliConsole console, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (StorageException e) when (e.Code is StorageErrorCode.Conflict or StorageErrorCode.QuotaExceeded or StorageErrorCode.BackendFailure)
        {
            console.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.PluginFailed;
        }
        catch (Exception e) when (e is StorageException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            console.Error.WriteLine($"error: {Session.Describe(e)}");
            return ExitCodes.Usage;
        }
        finally
        {
            console.Out.Flush();
        }
    }

    /// <summary>The chain (only when --chain was given, not its default) and service a command selects.</summary>
    private static (string? Chain, string? Service) Selection(ParseResult r, Option<string?> service)
    {
        var chainOption = (Option<string>)r.RootCommandResult.Command.Options.First(o => o.Name == "--chain");
        var chain = r.GetResult(chainOption) is OptionResult { Implicit: false } ? r.GetValue(chainOption) : null;
        var svc = r.GetValue(service);
        if (svc is not null && chain is null) throw new ArgumentException("--service needs --chain");
        try
        {
            if (chain is not null) Names.ValidateChain(chain);
        }
        catch (StorageException e)
        {
            throw new ArgumentException($"--chain: {e.Message}", e);
        }
        try
        {
            if (svc is not null) Names.ValidateService(svc);
        }
        catch (StorageException e)
        {
            throw new ArgumentException($"--service: {e.Message}", e);
        }
        return (chain, svc);
    }

    private static KeyValueStore Open(Settings settings, CliConsole console)
    {
        var options = new StorageOptions();
        try
        {
            options.Domain = settings.Domain;
        }
        catch (Exception e) when (e is ArgumentException or StorageException)
        {
            throw new ArgumentException($"--domain: {Session.Describe(e)}", e);
        }
        if (settings.Store is not null) SetLocation(options, settings.Store, "--store");
        return Open(options, "--store", console);
    }

    private static void SetLocation(StorageOptions options, string location, string option)
    {
        try
        {
            options.Location = location;
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"{option}: {Session.Describe(e)}", e);
        }
    }

    private static KeyValueStore Open(StorageOptions options, string option, CliConsole console)
    {
        try
        {
            var store = KeyValueStore.Create(options);
            if (store.Backend.AccessWarning is { } warning) console.Error.WriteLine($"warning: {warning}");
            return store;
        }
        catch (Exception e) when (e is StorageException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            var message = Session.Describe(e);
            if (message.StartsWith("--store: ", StringComparison.Ordinal)) message = message["--store: ".Length..];
            throw new ArgumentException($"{option}: cannot open the store: {message}", e);
        }
    }

    /// <summary>Whether <paramref name="target"/> is the same SQLite file as the source store.</summary>
    private static bool SameFile(Settings settings, string target)
    {
        if (target.Contains("://", StringComparison.Ordinal) || settings.Store is { } s && s.Contains("://", StringComparison.Ordinal)) return false;
        var source = settings.Store ?? Supervisor.Storage.Backends.Sqlite.SqliteBackendOptions.DefaultPath(settings.Domain);
        return string.Equals(Path.GetFullPath(source), Path.GetFullPath(target), OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
    }

    private static FileStream OpenArchive(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read archive \"{path}\": {e.Message}", e);
        }
    }

    /// <summary>The first bytes of an archive, left unread (a file is read and rewound; standard input is peeked).</summary>
    private static byte[] Start(Stream input)
    {
        if (input is PeekableStream peekable) return peekable.Peek(64).ToArray();
        var start = new byte[64];
        var n = input.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        input.Position = 0;
        return start[..n];
    }

    private static ArchiveFormat FormatOf(string? name) => name is "localstorage" or "psibase-localstorage" ? ArchiveFormat.PsibaseLocalStorage : ArchiveFormat.JsonLines;

    private static string Name(ArchiveFormat format) => format == ArchiveFormat.JsonLines ? "jsonl" : "localstorage";

    private static ConflictPolicy PolicyOf(string? name) => name switch
    {
        "overwrite" => ConflictPolicy.Overwrite,
        "skip" => ConflictPolicy.Skip,
        _ => ConflictPolicy.Fail,
    };

    private static string Describe(string? chain, string? service) =>
        chain is null ? "all chains" : service is null ? $"chain {chain}" : $"service {service} on chain {chain}";

    private static string Count(long n, string noun) => $"{n.ToString(CultureInfo.InvariantCulture)} {noun}{(n == 1 ? "" : "s")}";

    private static void Print(CliConsole console, bool json, JsonObject data, string text) =>
        console.Out.WriteLine(json ? data.ToJsonString(LineJson) : text);

    private static JsonObject Row((string Name, string Value) first, UsageEntry usage, (string Name, string Value)? second = null)
    {
        var o = new JsonObject { [first.Name] = first.Value };
        if (second is { } s) o[s.Name] = s.Value;
        o["items"] = usage.Items;
        o["bytes"] = usage.Bytes;
        return o;
    }

    /// <summary>Rows as a JSON array, or as aligned columns (the named ones, then ITEMS and BYTES).</summary>
    private static void Table(CliConsole console, bool json, IEnumerable<JsonObject> rows, string[] headings, string empty)
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

    /// <summary>
    /// The progress of export, import and clone on a <see cref="StatusLine"/> (stderr, only when it is a terminal):
    /// the phase, the records so far (archive lines; bytes for the LocalStorage format) and the rate. The streams it
    /// watches are counted as they are read or written; on a pipe nothing is watched and nothing is written.
    /// </summary>
    private sealed class Progress : IDisposable
    {
        private readonly StatusLine? _line;
        private readonly bool _lines;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string _phase;
        private TimeSpan _phaseStart;
        private long _lastShown = long.MinValue;

        public Progress(CliConsole console, string phase, ArchiveFormat format)
        {
            _phase = phase;
            _lines = format == ArchiveFormat.JsonLines;
            if (console.ErrorIsTerminal) _line = new StatusLine(console, Text(0));
        }

        /// <summary><paramref name="stream"/>, counted when a progress line is shown; with <paramref name="first"/>, the
        /// phase becomes <paramref name="first"/> and, when the stream is rewound (import reads twice), <paramref name="afterRewind"/>.</summary>
        public Stream Watch(Stream stream, string? first = null, string? afterRewind = null)
        {
            if (_line is null) return stream;
            if (first is not null) Phase(first);
            return new CountingStream(stream, this, afterRewind);
        }

        public void Phase(string phase)
        {
            _phase = phase;
            _phaseStart = _clock.Elapsed;
            _lastShown = long.MinValue;
        }

        /// <summary>Shows the count at most ten times a second.</summary>
        public void Report(long lines, long bytes)
        {
            if (_line is null) return;
            var now = _clock.ElapsedMilliseconds;
            if (now - _lastShown < 100) return;
            _lastShown = now;
            _line.Update(Text(_lines ? Math.Max(0, lines - 1) : bytes));
        }

        /// <summary>Shows the final count and returns it.</summary>
        public long Done(long records)
        {
            _line?.Update(Text(records, records: true));
            return records;
        }

        private string Text(long n, bool records = false)
        {
            var seconds = Math.Max((_clock.Elapsed - _phaseStart).TotalSeconds, 0.001);
            var unit = records || _lines ? "records" : "bytes";
            return $"{_phase}: {n.ToString("N0", CultureInfo.InvariantCulture)} {unit} ({(n / seconds).ToString("N0", CultureInfo.InvariantCulture)} {unit}/s)";
        }

        public void Dispose() => _line?.Dispose();
    }

    /// <summary>A stream that counts the bytes and line ends read or written through it for a <see cref="Progress"/>.</summary>
    private sealed class CountingStream(Stream inner, Progress progress, string? afterRewind) : Stream
    {
        private long _lines;
        private long _bytes;

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set
            {
                inner.Position = value;
                Rewound();
            }
        }

        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            Count(buffer[..n]);
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var p = inner.Seek(offset, origin);
            Rewound();
            return p;
        }

        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Count(buffer);
        }

        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            Count([value]);
        }

        private void Count(ReadOnlySpan<byte> data)
        {
            _bytes += data.Length;
            _lines += data.Count((byte)'\n');
            progress.Report(_lines, _bytes);
        }

        private void Rewound()
        {
            _lines = _bytes = 0;
            if (afterRewind is not null) progress.Phase(afterRewind);
        }
    }

    /// <summary>A write-only stream that decodes UTF-8 into a <see cref="TextWriter"/> (standard output).</summary>
    private sealed class TextWriterStream(TextWriter writer) : Stream
    {
        private readonly Decoder _decoder = new UTF8Encoding(false, true).GetDecoder();
        private readonly char[] _chars = new char[16384];

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => writer.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                _decoder.Convert(buffer, _chars, flush: false, out var used, out var produced, out _);
                writer.Write(_chars, 0, produced);
                buffer = buffer[used..];
            }
        }
    }
}
