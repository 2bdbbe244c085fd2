using System.CommandLine;
using System.Text.Json.Nodes;
using Supervisor.Storage;
using Supervisor.Storage.Sync;
using static Supervisor.Cli.Storage.Output;
using static Supervisor.Cli.Storage.StorageSymbols;

namespace Supervisor.Cli.Storage;

/// <summary><c>storage export</c>, <c>import</c> and <c>clone</c>: records between stores and archives.</summary>
internal static class ArchiveCommands
{
    public static IEnumerable<Command> Create(StorageContext context) => [Export(context), Import(context), Clone(context)];

    private static Command Export(StorageContext context)
    {
        var console = context.Console;
        var service = Service("Export only this service's records: its own buckets and those clientdata keeps for it");
        var allChains = AllChains("Export every chain's records, not only --chain's");
        var format = Format("The archive format");
        var output = new Option<string>("--out") { Description = "The archive file to write (- writes to standard output)", HelpName = "FILE", Required = true };
        var json = Json("Print the summary as JSON");
        var export = new Command("export",
            "Writes the persistent records of --chain (default local), of one --service on it, or of --all-chains to an archive; "
            + "it streams, so memory stays flat however many records there are");
        foreach (var o in new Option[] { service, allChains, format, output, json }) export.Options.Add(o);
        context.SetAction(export, r =>
        {
            var (chain, svc) = Selection(r, service, allChains);
            var path = r.GetValue(output)!;
            var fmt = FormatOf(r.GetValue(format));
            using var store = context.Open(r);
            using var progress = new Progress(console, ArchivePhase.Exporting, _ => "exporting");
            if (path == "-")
            {
                using var stdout = new TextWriterStream(console.Out);
                progress.Done(StorageArchive.Export(store, stdout, chain, svc, fmt, progress.Listener));
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
                    n = progress.Done(StorageArchive.Export(store, file, chain, svc, fmt, progress.Listener));
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
        });
        return export;
    }

    private static Command Import(StorageContext context)
    {
        var console = context.Console;
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
        context.SetAction(import, r =>
        {
            var path = r.GetValue(file)!;
            var policy = PolicyOf(r.GetValue(onConflict));
            using Stream input = path == "-" ? new PeekableStream(new TextReaderStream(console.In)) : OpenArchive(path);
            // --format overrides; else the content tells: this supervisor's archive starts with its header line.
            var fmt = r.GetValue(format) is { } named ? FormatOf(named) : StorageArchive.DetectFormat(Start(input));
            using var store = context.Open(r);
            ImportResult result;
            try
            {
                using var progress = new Progress(console, ArchivePhase.Validating, phase => phase == ArchivePhase.Writing ? "importing" : "validating");
                result = StorageArchive.Import(store, input, policy, fmt, progress.Listener);
                progress.Done(result.Imported + result.Skipped);
            }
            catch (StorageException e)
            {
                throw new StorageException(e.Code, $"{(path == "-" ? "standard input" : path)}: {e.Message}", e);
            }
            Print(console, r.GetValue(json), new JsonObject { ["imported"] = result.Imported, ["skipped"] = result.Skipped },
                $"imported {Count(result.Imported, "record")}, skipped {result.Skipped}");
            return ExitCodes.Success;
        });
        return import;
    }

    private static Command Clone(StorageContext context)
    {
        var console = context.Console;
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
        var service = Service("Clone only this service's records: its own buckets and those clientdata keeps for it");
        var allChains = AllChains("Clone every chain's records, not only --chain's");
        var onConflict = OnConflict();
        var json = Json("Print the summary as JSON");
        var clone = new Command("clone",
            "Copies the persistent records of --chain (default local), of one --service on it, or of --all-chains, from the store (--from, or --store/--domain) into the --to "
            + "store, between any two backends; the same as export then import, streamed through a temporary file");
        foreach (var o in new Option[] { fromStore, to, service, allChains, onConflict, json }) clone.Options.Add(o);
        context.SetAction(clone, r =>
        {
            var (chain, svc) = Selection(r, service, allChains);
            var policy = PolicyOf(r.GetValue(onConflict));
            var settings = context.SettingsOf(r);
            if (r.GetValue(fromStore) is { } source)
            {
                if (settings.Store is not null && settings.Store != source)
                    throw new ArgumentException($"--from: \"{source}\" and --store \"{settings.Store}\" name two sources; give one");
                settings = settings with { Store = source };
            }
            var target = r.GetValue(to)!;
            using var from = StoreOpener.Open(settings, console);
            if (SameFile(settings, target))
                throw new ArgumentException($"--to: \"{target}\" is the source store itself");
            using var into = StoreOpener.Open(StoreOpener.OptionsOf(target, "--to"), "--to", console);
            using var progress = new Progress(console, ArchivePhase.Exporting, phase => phase switch
            {
                ArchivePhase.Exporting => "cloning: reading",
                ArchivePhase.Validating => "cloning: validating",
                _ => "cloning: writing",
            });
            var result = StorageArchive.Clone(from, into, chain, svc, policy, progress.Listener);
            progress.Done(result.Imported + result.Skipped);
            Print(console, r.GetValue(json), new JsonObject { ["imported"] = result.Imported, ["skipped"] = result.Skipped, ["to"] = target },
                $"cloned {Count(result.Imported, "record")} ({Describe(chain, svc)}) into {target}, skipped {result.Skipped}");
            return ExitCodes.Success;
        });
        return clone;
    }

    /// <summary>Whether <paramref name="target"/> is the same SQLite file as the source store.</summary>
    private static bool SameFile(Settings settings, string target)
    {
        if (target.Contains("://", StringComparison.Ordinal) || settings.Store is { } s && s.Contains("://", StringComparison.Ordinal)) return false;
        var source = settings.Store ?? Supervisor.Storage.Backends.Sqlite.SqliteOptions.DefaultPath(settings.Domain);
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
}
