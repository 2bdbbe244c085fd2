using System.Text;
using CsCheck;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>
/// For random archives with one random defect, an import into a store that already holds records either writes every
/// record of the archive or none, and a refused import leaves the store byte for byte as it was.
/// </summary>
public sealed class ImportDefectPropertyTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private enum Defect { None, LoneSurrogate, BadUtf8, Duplicate, BadBase64, TooBig, Truncated, WrongTrailer, QuotaBreak, NotJson }

    private static readonly Gen<string> GenKey = Gen.String[Gen.Char['a', 'z'], 1, 10];

    private static string Line(string bucket, string key, byte[] value) =>
        $"{{\"chain\":\"test\",\"mode\":\"non-trx\",\"service\":\"alpha\",\"bucket\":\"{bucket}\",\"key\":\"{key}\",\"value\":\"{Convert.ToBase64String(value)}\"}}";

    private static List<string> Snapshot(KeyValueStore store) =>
        store.Backend.Scan(null, null).Select(r => $"{r.Bucket}|{r.Key}|{Convert.ToHexString(r.Value)}").Order(StringComparer.Ordinal).ToList();

    [Fact, Rule("PDP-SYNC-2", "PDP-SYNC-3", "PDP-SYNC-8")]
    public void AnImportWithOneDefect_WritesEverythingOrNothing()
    {
        var gen = Gen.Select(
            GenKey.List[1, 40].Select(keys => keys.Distinct().ToList()),
            Gen.Enum<Defect>(),
            Gen.Int[0, 1000],
            Gen.Byte.Array[0, 64]);
        var round = 0;
        gen.Sample((keys, defect, where, value) =>
        {
            using var store = KeyValueStore.Create(new StorageOptions
            {
                Location = _dir.File($"s{round++}.db"),
                Limits = new StorageLimits { MaxValueBytes = 1024, QuotaItems = defect == Defect.QuotaBreak ? keys.Count + 2 - 1 : 0 },
            });
            // Records already there, one of them also in the archive (overwritten when the import succeeds).
            var bucket = new BucketId("test", DbMode.NonTransactional, "alpha", "b");
            store.Backend.Set(bucket, "zz-kept", [7], Quota.Unlimited);
            store.Backend.Set(bucket, keys[0], [8], Quota.Unlimited);
            var before = Snapshot(store);

            var lines = new List<string> { "{\"format\":\"supervisor-storage\",\"version\":1,\"chain\":null,\"service\":null}" };
            lines.AddRange(keys.Select(k => Line("b", k, value)));
            if (defect == Defect.QuotaBreak) lines.Add(Line("b", "zz-new-1", value)); // one record too many
            var records = lines.Count - 1;
            lines.Add($"{{\"end\":true,\"records\":{records}}}");
            var at = 1 + where % records; // a record line
            switch (defect)
            {
                case Defect.LoneSurrogate: lines[at] = lines[at].Replace("\"key\":\"", "\"key\":\"\\ud800"); break;
                case Defect.Duplicate: lines.Insert(at, lines[at]); lines[^1] = $"{{\"end\":true,\"records\":{records + 1}}}"; break;
                case Defect.BadBase64: lines[at] = lines[at].Replace("\"value\":\"", "\"value\":\"!"); break;
                case Defect.TooBig: lines[at] = Line("b", "big", new byte[1025]); break;
                case Defect.Truncated: lines.RemoveAt(lines.Count - 1); break;
                case Defect.WrongTrailer: lines[^1] = $"{{\"end\":true,\"records\":{records + 5}}}"; break;
                case Defect.NotJson: lines[at] = lines[at][..^1]; break;
            }
            var bytes = Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n");
            if (defect == Defect.BadUtf8)
            {
                var text = Encoding.UTF8.GetBytes(string.Join("\n", lines.Take(at)) + "\n").Length + 5;
                bytes[text] = 0xFF;
            }

            try
            {
                var result = StorageArchive.Import(store, new MemoryStream(bytes), ConflictPolicy.Overwrite);
                var after = Snapshot(store);
                // Written whole: every record of the archive is there, and the record only the store had.
                return defect == Defect.None
                    && result.Imported == keys.Count
                    && keys.All(k => store.Backend.Get(bucket, k) is { } v && v.SequenceEqual(value))
                    && after.Count == keys.Count + 1;
            }
            catch (StorageException)
            {
                return defect != Defect.None && Snapshot(store).SequenceEqual(before);
            }
        }, iter: 150, threads: 1);
    }
}
