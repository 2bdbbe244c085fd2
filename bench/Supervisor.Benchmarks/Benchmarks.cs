using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Supervisor.Benchmarks;

/// <summary>Which implementation a benchmark row measures.</summary>
public enum Impl
{
    /// <summary>Raw Microsoft.Data.Sqlite, rowid table, no triggers (the baseline).</summary>
    Raw,
    /// <summary>Raw Microsoft.Data.Sqlite, WITHOUT ROWID table.</summary>
    RawWithoutRowid,
    /// <summary>Our store, QuotaBytes = QuotaItems = 0.</summary>
    QuotasOff,
    /// <summary>Our store, default quotas (10 MiB, 100,000 items): not tripped, a fixed key set is overwritten.</summary>
    QuotasOn,
}

/// <summary>
/// A short job: in-process (no generated project to build while others build the solution),
/// 2 warmups, 5 iterations of about 150 ms. The whole suite takes a few minutes on a small machine.
/// </summary>
public sealed class ShortConfig : ManualConfig
{
    public ShortConfig()
    {
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(150))
            .WithId("Short"));
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
        WithOption(ConfigOptions.DisableLogFile, true);
    }
}

public abstract class FixtureBenchmark
{
    private string? _dir;
    private protected Raw? RawStore;
    private protected Ours? OurStore;

    private protected void Open(Impl impl, int size)
    {
        _dir = Data.TempDir();
        var path = Path.Combine(_dir, "store.db");
        switch (impl)
        {
            case Impl.Raw: RawStore = new Raw(path, RawSchema.Rowid, size); break;
            case Impl.RawWithoutRowid: RawStore = new Raw(path, RawSchema.WithoutRowid, size); break;
            default: OurStore = new Ours(path, impl == Impl.QuotasOn, size); break;
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        RawStore?.Dispose();
        OurStore?.Dispose();
        RawStore = null;
        OurStore = null;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_dir is not null) Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Single get and set at 16 B, 1 KiB and 100 KiB.</summary>
[Config(typeof(ShortConfig))]
public class RecordBenchmarks : FixtureBenchmark
{
    private byte[][] _values = [];
    private int _i;

    [Params(16, 1024, 100 * 1024)]
    public int Size { get; set; }

    [Params(Impl.Raw, Impl.RawWithoutRowid, Impl.QuotasOff, Impl.QuotasOn)]
    public Impl Impl { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        Open(Impl, Size);
        _values = Data.Values(Size);
    }

    [Benchmark]
    public void Set()
    {
        var i = _i++;
        var key = Data.Keys[i & (Data.KeyCount - 1)];
        var value = _values[((i >> 6) + 1) & 1]; // differs from the stored value: a real overwrite
        if (RawStore is not null) RawStore.Set(key, value);
        else OurStore!.Bucket.Set(key, value);
    }

    [Benchmark]
    public byte[]? Get()
    {
        var key = Data.Keys[_i++ & (Data.KeyCount - 1)];
        return RawStore is not null ? RawStore.Get(key) : OurStore!.Bucket.Get(key);
    }
}

/// <summary>Increment of one counter and one 100-key page of a 1000-key bucket.</summary>
[Config(typeof(ShortConfig))]
public class CounterAndListBenchmarks : FixtureBenchmark
{
    [Params(Impl.Raw, Impl.QuotasOff, Impl.QuotasOn)]
    public Impl Impl { get; set; }

    [GlobalSetup]
    public void Setup() => Open(Impl, 16);

    /// <summary>Raw: BEGIN IMMEDIATE; SELECT; UPSERT; COMMIT (the same read-modify-write as ours).</summary>
    [Benchmark]
    public long Increment() => RawStore is not null ? RawStore.IncrementTx() : OurStore!.Counters.Increment("counter", 1);

    [Benchmark]
    public int ListPage() => RawStore is not null ? RawStore.ListPage() : OurStore!.List.ListKeys(null, 100).Keys.Count;
}
