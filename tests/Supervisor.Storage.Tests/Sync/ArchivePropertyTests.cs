using CsCheck;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>Export then import into an empty store reproduces every record byte for byte, for random stores.</summary>
public sealed class ArchivePropertyTests
{
    private static readonly string[] Chains = ["local", "a1b2c3", "main.net"];
    private static readonly string[] Services = ["alpha", "beta-2", Names.ClientData];
    private static readonly string[] Buckets = ["b", "Bucket_2", "walpha", "x-y"];

    // Keys with every UTF-8 width, ':' (the LocalStorage separator), NUL and the empty key.
    private static readonly Gen<string> GenKey = Gen.Frequency(
        (6, Gen.String[Gen.Char['a', 'z'], 0, 12]),
        (2, Gen.String[Gen.Char, 0, 8].Where(k => !k.Any(char.IsSurrogate))),
        (1, Pick("", ":", "a:b:c", "\u0000", "\u00e9t\u00e9", "\U0001F600", "\uFF5E")));

    private static readonly Gen<(string Chain, DbMode Mode, string Service, string Bucket, string Key, byte[] Value)> GenRecord =
        Gen.Select(Pick(Chains), Pick(DbMode.NonTransactional, DbMode.Transactional), Pick(Services),
            Pick(Buckets), GenKey, Gen.Byte.Array[0, 300]);

    private static Gen<T> Pick<T>(params T[] items) => Gen.Int[0, items.Length - 1].Select(i => items[i]);

    [Theory, Rule("PDP-SYNC-4", "PDP-SYNC-6")]
    [InlineData(ArchiveFormat.JsonLines)]
    [InlineData(ArchiveFormat.PsibaseLocalStorage)]
    public void ExportThenImport_IntoAnEmptyStore_ReproducesEveryRecord(ArchiveFormat format)
    {
        GenRecord.List[0, 60].Sample(records =>
        {
            using var source = KeyValueStore.Create(new StorageOptions { Backend = "memory" });
            using (var session = source.OpenSession())
            using (var op = session.BeginOperation())
            {
                foreach (var r in records)
                    op.OpenBucket(r.Chain, r.Mode, StorageDuration.Persistent, r.Service, r.Bucket).Set(r.Key, r.Value);
                op.Commit();
            }
            using var archive = new MemoryStream();
            StorageArchive.Export(source, archive, format: format);
            archive.Position = 0;
            using var target = KeyValueStore.Create(new StorageOptions { Backend = "memory" });
            StorageArchive.Import(target, archive, ConflictPolicy.Fail, format);
            return Snapshot(source).SequenceEqual(Snapshot(target));
        }, iter: 60);
    }

    private static List<string> Snapshot(KeyValueStore store) =>
        store.Backend.Scan(null, null)
            .Select(r => $"{r.Bucket}|{Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(r.Key))}|{Convert.ToHexString(r.Value)}")
            .Order(StringComparer.Ordinal).ToList();
}
