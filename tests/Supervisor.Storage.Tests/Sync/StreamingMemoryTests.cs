using Supervisor.Storage.Backends;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Storage.Tests.Sync;

/// <summary>
/// Export, import and clone stream: the managed heap, sampled with a full collection while the archive passes
/// through, stays far below what holding the records would take. The heap is the whole process's, so this class
/// runs alone (<see cref="HeapMeasurement"/>): another test allocating alongside once pushed a sample over the line.
/// </summary>
[Collection(HeapMeasurement.Name)]
public sealed class StreamingMemoryTests
{
    private const int Count = 200_000;
    private const int ValueBytes = 100;

    // Holding the records would retain well over 40 MB (200k keys, values and records); a batch is a few hundred KB.
    private const long Ceiling = 10 * 1024 * 1024;

    /// <summary>A pass-through stream that samples the live managed heap every <c>Every</c> bytes read or written.</summary>
    private sealed class SamplingStream(Stream inner, long baseline) : Stream
    {
        private const long Every = 2 * 1024 * 1024;
        private long _sinceSample;

        public long Peak { get; private set; }
        public int Samples { get; private set; }
        public long Bytes { get; private set; }

        private void Count(int n)
        {
            Bytes += n;
            _sinceSample += n;
            if (_sinceSample < Every) return;
            _sinceSample = 0;
            Samples++;
            Peak = Math.Max(Peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);
        }

        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            Count(n);
            return n;
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            Count(count);
        }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Count(buffer.Length);
        }

        public override void WriteByte(byte value)
        {
            inner.WriteByte(value);
            Count(1);
        }
    }

    private static KeyValueStore Filled(TempDirectory dir)
    {
        var store = KeyValueStore.Create(new StorageOptions { Location = dir.File("from.db"), Limits = new StorageLimits { QuotaItems = 0, QuotaBytes = 0 } });
        var value = new byte[ValueBytes];
        new Random(1).NextBytes(value);
        var bucket = new BucketId("test", DbMode.NonTransactional, "alpha", "many");
        for (var start = 0; start < Count; start += 1000)
            store.Backend.Apply(Enumerable.Range(start, 1000).Select(i => new Write(bucket, $"key-{i:D8}", value)).ToList(), Quota.Unlimited);
        return store;
    }

    [Fact, Rule("PDP-SYNC-7")]
    public void ExportAndImportOfManyRecords_KeepTheHeapFlat()
    {
        using var dir = new TempDirectory();
        using var from = Filled(dir);
        var path = dir.File("archive.jsonl");

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        SamplingStream export;
        using (var file = File.Create(path))
        {
            export = new SamplingStream(file, baseline);
            Assert.Equal(Count, StorageArchive.Export(from, export));
        }
        Assert.True(export.Samples >= 10, $"only {export.Samples} samples");
        Assert.True(export.Bytes > Count * (long)ValueBytes, "the archive is smaller than its values");
        Assert.True(export.Peak < Ceiling, $"export retained {export.Peak} bytes");

        using var to = KeyValueStore.Create(new StorageOptions { Location = dir.File("to.db"), Limits = new StorageLimits { QuotaItems = 0, QuotaBytes = 0 } });
        baseline = GC.GetTotalMemory(forceFullCollection: true);
        SamplingStream import;
        using (var file = File.OpenRead(path))
        {
            import = new SamplingStream(file, baseline);
            Assert.Equal(new ImportResult(Count, 0), StorageArchive.Import(to, import, ConflictPolicy.Skip));
        }
        Assert.True(import.Samples >= 20, $"only {import.Samples} samples"); // read twice: validation, then writes
        Assert.True(import.Peak < Ceiling, $"import retained {import.Peak} bytes");
        Assert.Equal(from.ListChains(), to.ListChains());
    }
}

/// <summary>Tests that measure the process's managed heap: never run beside other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "heap measurement";
}
