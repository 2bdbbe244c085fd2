using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Supervisor.Storage.Sync;

/// <summary>
/// Export and import of a store's persistent records. JSON Lines: a header line
/// <c>{"format":"supervisor-storage","version":1,"chain":...,"service":...}</c>, one line per record
/// <c>{"chain","mode":"non-trx|trx","service","bucket","key","value":base64}</c>, and a trailer
/// <c>{"end":true,"records":N}</c> that makes truncation detectable. Export streams; import reads its
/// input twice (validation, then writes), buffering a non-seekable input in a temporary file.
/// </summary>
public static class StorageArchive
{
    /// <summary>The format name in the header.</summary>
    public const string FormatName = "supervisor-storage";

    /// <summary>The JSON Lines format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int BatchSize = 500;

    /// <summary>How many records pass between two progress reports (each phase also reports its end).</summary>
    private const int ReportEvery = 256;
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = false };

    /// <summary>
    /// Writes the persistent records of <paramref name="store"/> (optionally one chain and service); returns how many.
    /// <paramref name="progress"/>, when given, hears <see cref="ArchivePhase.Exporting"/> counts.
    /// </summary>
    public static long Export(KeyValueStore store, Stream output, string? chain = null, string? service = null, ArchiveFormat format = ArchiveFormat.JsonLines,
        IProgress<ArchiveProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(output);
        if (chain is not null) Names.ValidateChain(chain);
        if (service is not null) Names.ValidateService(service);
        var records = Counted(store.Scan(chain, service), ArchivePhase.Exporting, progress);
        return format == ArchiveFormat.JsonLines ? ExportLines(records, output, chain, service) : ExportPsibase(records, output);
    }

    /// <summary><paramref name="items"/>, reported to <paramref name="progress"/> as they pass: every few hundred, and at the end.</summary>
    private static IEnumerable<T> Counted<T>(IEnumerable<T> items, ArchivePhase phase, IProgress<ArchiveProgress>? progress)
    {
        if (progress is null)
        {
            foreach (var item in items) yield return item;
            yield break;
        }
        long n = 0;
        progress.Report(new ArchiveProgress(phase, 0));
        foreach (var item in items)
        {
            yield return item;
            if (++n % ReportEvery == 0) progress.Report(new ArchiveProgress(phase, n));
        }
        progress.Report(new ArchiveProgress(phase, n));
    }

    private static long ExportLines(IEnumerable<StoredRecord> records, Stream output, string? chain, string? service)
    {
        long n = 0;
        var buffer = new ArrayBufferWriter<byte>(4096);
        void Line(Action<Utf8JsonWriter> write)
        {
            buffer.ResetWrittenCount();
            using (var w = new Utf8JsonWriter(buffer, WriterOptions)) write(w);
            output.Write(buffer.WrittenSpan);
            output.WriteByte((byte)'\n');
        }
        Line(w =>
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteNumber("version", FormatVersion);
            if (chain is null) w.WriteNull("chain"); else w.WriteString("chain", chain);
            if (service is null) w.WriteNull("service"); else w.WriteString("service", service);
            w.WriteEndObject();
        });
        foreach (var r in records)
        {
            Line(w =>
            {
                w.WriteStartObject();
                w.WriteString("chain", r.Bucket.Chain);
                w.WriteString("mode", ModeName(r.Bucket.Mode));
                w.WriteString("service", r.Bucket.Service);
                w.WriteString("bucket", r.Bucket.Bucket);
                w.WriteString("key", r.Key);
                w.WriteBase64String("value", r.Value);
                w.WriteEndObject();
            });
            n++;
        }
        Line(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("end", true);
            w.WriteNumber("records", n);
            w.WriteEndObject();
        });
        output.Flush();
        return n;
    }

    private static long ExportPsibase(IEnumerable<StoredRecord> records, Stream output)
    {
        long n = 0;
        using var w = new Utf8JsonWriter(output, WriterOptions);
        w.WriteStartObject();
        foreach (var r in records)
        {
            w.WriteBase64String($"{r.Bucket}:{r.Key}", r.Value);
            if (++n % 256 == 0) w.Flush();
        }
        w.WriteEndObject();
        w.Flush();
        return n;
    }

    /// <summary>
    /// Validates the whole archive, then writes its records in batches (each batch atomic).
    /// A malformed, truncated or invalid archive, or a conflict under <see cref="ConflictPolicy.Fail"/>,
    /// is refused with the line (or entry) named, and nothing is written. <paramref name="progress"/>, when given,
    /// hears <see cref="ArchivePhase.Validating"/> then <see cref="ArchivePhase.Writing"/> counts.
    /// </summary>
    public static ImportResult Import(KeyValueStore store, Stream input, ConflictPolicy onConflict = ConflictPolicy.Overwrite, ArchiveFormat format = ArchiveFormat.JsonLines,
        IProgress<ArchiveProgress>? progress = null) =>
        Import(store, input, onConflict, format, cloning: false, progress);

    /// <summary>The import; <paramref name="cloning"/> names a conflict by its record, not by a line of an archive the user never saw.</summary>
    private static ImportResult Import(KeyValueStore store, Stream input, ConflictPolicy onConflict, ArchiveFormat format, bool cloning,
        IProgress<ArchiveProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(input);
        if (format == ArchiveFormat.PsibaseLocalStorage)
        {
            var records = Counted(ReadPsibase(input, store.Limits), ArchivePhase.Validating, progress).Select(r => (r, 0L)).ToList();
            using var owners = TakeTurns(store, records.Select(r => r.r.Bucket));
            Plan(store, records, onConflict, (clash, _) =>
                Conflict($"psibase LocalStorage entry \"{Names.Printable($"{clash.Bucket}:{clash.Key}")}\" already exists (policy fail); nothing was imported"));
            return Write(store, Counted(records, ArchivePhase.Writing, progress), onConflict);
        }
        Stream source = input;
        FileStream? temp = null;
        try
        {
            if (!input.CanSeek)
            {
                temp = PrivateFiles.Spool();
                if (LineReader.CopyCapped(input, temp, MaxLineBytes(store.Limits)) is { } tooLong)
                    throw Bad(tooLong, LineReader.TooLong(MaxLineBytes(store.Limits)));
                temp.Position = 0;
                source = temp;
            }
            var start = source.Position;
            // The owners' turns first (PDP-TURN-7), so no plugin writes between the checks below and the writes.
            using var owners = TakeTurns(store, ReadLines(source, store.Limits, findRepeats: false).Select(r => r.Record.Bucket));
            source.Position = start;
            // Pass 1: everything parses and is valid; conflicts under Fail and quotas are checked before any write.
            try
            {
                Plan(store, Counted(ReadLines(source, store.Limits), ArchivePhase.Validating, progress), onConflict, (clash, line) => Conflict(cloning
                    ? $"record \"{Names.Printable(clash.Key)}\" in {clash.Bucket} already exists in the target store (policy fail); nothing was cloned"
                    : $"archive line {line}: record \"{Names.Printable(clash.Key)}\" in {clash.Bucket} already exists (policy fail); nothing was imported"));
            }
            catch (DuplicateRecord d)
            {
                source.Position = start;
                var first = ReadLines(source, store.Limits, stopAt: d.Line, findRepeats: false).First(r => r.Record.Bucket == d.Record.Bucket && r.Record.Key == d.Record.Key).Line;
                throw Bad(d.Line, $"record \"{Names.Printable(d.Record.Key)}\" in {d.Record.Bucket} is also on line {first}: an archive holds each record once");
            }
            source.Position = start;
            return Write(store, Counted(ReadLines(source, store.Limits, findRepeats: false), ArchivePhase.Writing, progress), onConflict);
        }
        finally
        {
            temp?.Dispose();
        }
    }

    /// <summary>
    /// Copies the persistent records of <paramref name="from"/> (optionally one chain and service) into <paramref name="to"/>,
    /// between any two backends, with the result of an export followed by an import: the records stream through a
    /// temporary archive file (memory stays flat), are validated against the target's limits and conflict policy before
    /// anything is written, and are then written in atomic batches. <paramref name="progress"/>, when given, hears the
    /// <see cref="ArchivePhase.Exporting"/>, <see cref="ArchivePhase.Validating"/> and <see cref="ArchivePhase.Writing"/> counts.
    /// A conflict under <see cref="ConflictPolicy.Fail"/> is named by its record, as there is no archive the caller saw.
    /// </summary>
    public static ImportResult Clone(KeyValueStore from, KeyValueStore to, string? chain = null, string? service = null, ConflictPolicy onConflict = ConflictPolicy.Overwrite,
        IProgress<ArchiveProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        if (chain is not null) Names.ValidateChain(chain);
        if (service is not null) Names.ValidateService(service);
        using var temp = PrivateFiles.Spool();
        Export(from, temp, chain, service, ArchiveFormat.JsonLines, progress);
        temp.Position = 0;
        return Import(to, temp, onConflict, ArchiveFormat.JsonLines, cloning: true, progress);
    }

    private static StorageException Conflict(string message) => new(StorageErrorCode.Conflict, message);

    /// <summary>The turns of every owner of <paramref name="buckets"/> (the archive is read to the end for them).</summary>
    private static TurnHolder TakeTurns(KeyValueStore store, IEnumerable<BucketId> buckets)
    {
        var owners = new HashSet<(string, string)>();
        foreach (var b in buckets) owners.Add((b.Chain, b.Owner));
        return store.TakeAdminTurns("storage import", owners);
    }

    private static ImportResult Write(KeyValueStore store, IEnumerable<(StoredRecord Record, long Line)> records, ConflictPolicy onConflict)
    {
        long imported = 0, skipped = 0;
        // One change where the backend can (SQLite, memory); Redis says how many records a failure left written.
        store.ApplyAll(Batches());
        return new ImportResult(imported, skipped);

        IEnumerable<IReadOnlyList<Write>> Batches()
        {
            var batch = new List<Write>(BatchSize);
            foreach (var (r, _) in records)
            {
                batch.Add(new Write(r.Bucket, r.Key, r.Value));
                if (batch.Count == BatchSize)
                {
                    if (Ready()) yield return batch;
                    batch = new List<Write>(BatchSize);
                }
            }
            if (Ready()) yield return batch;

            bool Ready()
            {
                if (onConflict == ConflictPolicy.Skip && batch.Count > 0)
                {
                    var existing = Existing(store, batch.Select(w => (w.Bucket, w.Key)).ToList());
                    skipped += batch.RemoveAll(w => existing.Contains((w.Bucket, w.Key)));
                }
                imported += batch.Count;
                return batch.Count > 0;
            }
        }
    }

    /// <summary>
    /// Reads every record before anything is written (reading validates them) and, where the store must be looked at,
    /// looks once per bucket and batch: under <see cref="ConflictPolicy.Fail"/> the first record (in archive order) that
    /// exists is refused through <paramref name="conflict"/>; under a quota, an import that would leave an owner above it
    /// is refused. An owner's final usage is its usage now, plus the records' sizes, less the sizes of the records they
    /// replace (a skipped record changes nothing): a quota broken part-way through the writes would leave the batches
    /// already written on a backend that cannot make an import one change.
    /// </summary>
    private static void Plan(KeyValueStore store, IEnumerable<(StoredRecord Record, long Line)> records, ConflictPolicy onConflict,
        Func<StoredRecord, long, StorageException> conflict)
    {
        var quota = store.Limits.Quota;
        if (onConflict != ConflictPolicy.Fail && quota.IsUnlimited)
        {
            _ = records.Count();
            return;
        }
        var change = new Dictionary<(string Chain, string Owner), (long Bytes, long Items)>();
        foreach (var chunk in records.Chunk(BatchSize))
        {
            var stored = new Dictionary<(BucketId, string), byte[]?>();
            foreach (var group in chunk.GroupBy(c => c.Record.Bucket))
            {
                var keys = group.Select(c => c.Record.Key).ToList();
                var values = store.GetMany(group.Key, keys);
                for (var i = 0; i < keys.Count; i++) stored[(group.Key, keys[i])] = values[i];
            }
            foreach (var (r, line) in chunk)
            {
                var old = stored[(r.Bucket, r.Key)];
                if (old is not null && onConflict == ConflictPolicy.Fail) throw conflict(r, line);
                if (old is not null && onConflict == ConflictPolicy.Skip) continue;
                var owner = (r.Bucket.Chain, r.Bucket.Owner);
                var (bytes, items) = change.GetValueOrDefault(owner);
                var keyBytes = Encoding.UTF8.GetByteCount(r.Key);
                change[owner] = (bytes + keyBytes + r.Value.Length - (old is null ? 0 : keyBytes + old.Length), items + (old is null ? 1 : 0));
            }
        }
        if (quota.IsUnlimited) return;
        foreach (var ((chain, owner), (bytes, items)) in change)
        {
            var now = store.GetUsage(chain, owner);
            try
            {
                quota.Check(chain, owner, now.Bytes + bytes, now.Items + items, bytes, items);
            }
            catch (StorageException e)
            {
                throw new StorageException(e.Code, $"importing would break a quota: {e.Message}; nothing was imported", e);
            }
        }
    }

    private static HashSet<(BucketId, string)> Existing(KeyValueStore store, IReadOnlyList<(BucketId Bucket, string Key)> keys)
    {
        var found = new HashSet<(BucketId, string)>();
        foreach (var group in keys.GroupBy(k => k.Bucket))
        {
            var names = group.Select(k => k.Key).Distinct().ToList();
            var values = store.GetMany(group.Key, names);
            for (var i = 0; i < names.Count; i++)
                if (values[i] is not null) found.Add((group.Key, names[i]));
        }
        return found;
    }

    /// <summary>
    /// The longest line a valid record can take under <paramref name="limits"/>: every name and the key escaped at 6
    /// characters per byte (<c>\u00XX</c>), the value in base64, and room for the field names.
    /// </summary>
    internal static int MaxLineBytes(StorageLimits limits) =>
        (int)Math.Min(int.MaxValue, 1024 + 6L * (limits.MaxKeyBytes + Names.MaxChainIdLength + Names.MaxBucketNameLength + 10 + 7) + 4L * ((limits.MaxValueBytes + 2) / 3));

    /// <summary>Parses and validates the JSON Lines archive, yielding records with their line numbers; a record that comes twice is refused naming both lines.</summary>
    private static IEnumerable<(StoredRecord Record, long Line)> ReadLines(Stream source, StorageLimits limits, long stopAt = long.MaxValue, bool findRepeats = true)
    {
        var reader = new LineReader(source, MaxLineBytes(limits));
        var seen = findRepeats ? new RecordSet() : null;
        long line = 0, count = 0;
        var sawEnd = false;
        while (true)
        {
            string? text;
            try
            {
                text = reader.ReadLine();
            }
            catch (FormatException e)
            {
                throw Bad(reader.LineNumber, e.Message);
            }
            if (text is null) break;
            line = reader.LineNumber;
            if (sawEnd)
            {
                if (text.Length == 0) continue;
                throw Bad(line, "data after the end of the archive");
            }
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                throw Bad(line, "is not a JSON object");
            }
            if (root.ValueKind != JsonValueKind.Object) throw Bad(line, "is not a JSON object");
            StoredRecord record;
            try
            {
                if (line == 1)
                {
                    if (Str(root, "format", line) != FormatName) throw Bad(line, $"is not a {FormatName} archive header");
                    if (!root.TryGetProperty("version", out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var version)) throw Bad(line, "the header has no version");
                    if (version != FormatVersion) throw Bad(line, $"format version {version} is not supported (this supervisor reads version {FormatVersion})");
                    continue;
                }
                if (root.TryGetProperty("end", out _))
                {
                    if (!root.TryGetProperty("records", out var rc) || rc.ValueKind != JsonValueKind.Number || !rc.TryGetInt64(out var declared) || declared != count)
                        throw Bad(line, $"the trailer does not match the {count} records read");
                    sawEnd = true;
                    continue;
                }
                var mode = Str(root, "mode", line) switch
                {
                    "non-trx" => DbMode.NonTransactional,
                    "trx" => DbMode.Transactional,
                    var m => throw Bad(line, $"mode \"{m}\" is neither \"non-trx\" nor \"trx\""),
                };
                var bucket = new BucketId(Str(root, "chain", line), mode, Str(root, "service", line), Str(root, "bucket", line));
                var key = Str(root, "key", line);
                byte[] value;
                if (!root.TryGetProperty("value", out var ve) || ve.ValueKind != JsonValueKind.String || !ve.TryGetBytesFromBase64(out value!))
                    throw Bad(line, "value is missing or not base64");
                record = Validated(bucket, key, value, limits);
            }
            catch (StorageException e) when (!e.Message.StartsWith("archive line", StringComparison.Ordinal))
            {
                throw Bad(line, e.Message);
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json will not unescape a lone surrogate (a property name or a string value).
                throw Bad(line, "holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not text");
            }
            if (line >= stopAt) yield break;
            if (seen is not null && !seen.Add(record.Bucket, record.Key))
                throw new DuplicateRecord(record, line);
            count++;
            yield return (record, line);
        }
        if (line == 0) throw Bad(1, "the archive is empty");
        if (!sawEnd) throw Bad(line, "the archive is truncated (no end line)");
    }

    /// <summary>
    /// The format of an archive that starts with <paramref name="start"/>: this supervisor's JSON Lines archive starts
    /// with its header object (<c>{"format":...</c>); any other JSON object is taken as a psibase LocalStorage dump.
    /// </summary>
    public static ArchiveFormat DetectFormat(ReadOnlySpan<byte> start)
    {
        var text = start;
        if (text.StartsWith("\uFEFF"u8)) text = text[3..];
        text = text.TrimStart(" \t\r\n"u8);
        if (text.StartsWith("{\"format\""u8) || text.IsEmpty || text[0] != (byte)'{') return ArchiveFormat.JsonLines;
        return ArchiveFormat.PsibaseLocalStorage;
    }

    /// <summary>The largest psibase LocalStorage dump read (a browser's LocalStorage holds a few megabytes).</summary>
    internal const int MaxLocalStorageBytes = 64 * 1024 * 1024;

    /// <summary>The whole of <paramref name="input"/>, refused after reading no more than <paramref name="max"/> bytes.</summary>
    private static ReadOnlyMemory<byte> ReadBounded(Stream input, int max)
    {
        var copy = new MemoryStream();
        var buffer = new byte[65536];
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (copy.Length + n > max)
                throw new StorageException(StorageErrorCode.InvalidArgument,
                    $"the psibase LocalStorage dump is larger than {max} bytes, far more than a browser's LocalStorage holds; nothing was imported");
            copy.Write(buffer, 0, n);
        }
        return copy.GetBuffer().AsMemory(0, (int)copy.Length);
    }

    /// <summary>Reads a psibase LocalStorage dump, validating every entry before returning any.</summary>
    private static IEnumerable<StoredRecord> ReadPsibase(Stream input, StorageLimits limits)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(ReadBounded(input, MaxLocalStorageBytes));
        }
        catch (JsonException e)
        {
            throw new StorageException(StorageErrorCode.InvalidArgument, $"the psibase LocalStorage dump is not JSON: {e.Message}");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new StorageException(StorageErrorCode.InvalidArgument, "the psibase LocalStorage dump is not a JSON object");
            var result = new List<StoredRecord>();
            var seen = new RecordSet();
            long entry = 0;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                entry++;
                string name;
                try
                {
                    name = p.Name;
                }
                catch (InvalidOperationException)
                {
                    throw new StorageException(StorageErrorCode.InvalidArgument,
                        $"psibase LocalStorage entry {entry}: its name holds a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not text; nothing was imported");
                }
                try
                {
                    var parts = name.Split(':', 5);
                    if (parts.Length != 5) throw new StorageException(StorageErrorCode.InvalidArgument, "it is not <chain>:<non-trx|trx>:<service>:<bucket>:<key>");
                    var mode = parts[1] switch
                    {
                        "non-trx" => DbMode.NonTransactional,
                        "trx" => DbMode.Transactional,
                        _ => throw new StorageException(StorageErrorCode.InvalidArgument, $"mode \"{parts[1]}\" is neither \"non-trx\" nor \"trx\""),
                    };
                    if (p.Value.ValueKind != JsonValueKind.String || !p.Value.TryGetBytesFromBase64(out var value))
                        throw new StorageException(StorageErrorCode.InvalidArgument, "its value is not base64");
                    var record = Validated(new BucketId(parts[0], mode, parts[2], parts[3]), parts[4], value, limits);
                    if (!seen.Add(record.Bucket, record.Key))
                        throw new StorageException(StorageErrorCode.InvalidArgument,
                            $"it is also entry {result.FindIndex(r => r.Bucket == record.Bucket && r.Key == record.Key) + 1}: a dump holds each record once");
                    result.Add(record);
                }
                catch (StorageException e)
                {
                    throw new StorageException(StorageErrorCode.InvalidArgument, $"psibase LocalStorage entry \"{Names.Printable(name)}\": {e.Message}; nothing was imported");
                }
            }
            return result;
        }
    }

    private static StoredRecord Validated(BucketId bucket, string key, byte[] value, StorageLimits limits)
    {
        Keys.Validate(key, limits.MaxKeyBytes);
        limits.ValidateValueSize(key, value.Length);
        return new StoredRecord(bucket, key, value);
    }

    private static string Str(JsonElement o, string name, long line) =>
        o.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(line, $"\"{name}\" is missing or not a string");

    /// <summary>A record named a second time; the import finds where it came first.</summary>
    private sealed class DuplicateRecord(StoredRecord record, long line) : Exception
    {
        public StoredRecord Record { get; } = record;
        public long Line { get; } = line;
    }

    private static StorageException Bad(long line, string why) =>
        new(StorageErrorCode.InvalidArgument, $"archive line {line}: {why}; nothing was imported");

    private static string ModeName(DbMode mode) => mode == DbMode.Transactional ? "trx" : "non-trx";
}
