using System.Diagnostics;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Plugins.Tests.Interop;
using Supervisor.Testing;
using Xunit.Abstractions;

namespace Supervisor.Plugins.Tests.Composition;

/// <summary>
/// Fuzzes the byte adapter's composer (PDP-ADAPT-3) with mutants of real plugins (the WAT fixtures wkv, wdb,
/// wsink, wsmuggle and walpha, and the componentize-js plugins jskv2 and jsdb): byte overwrites, truncations,
/// insertions, deletions, and perturbed section sizes and item counts. Proves that <see cref="ByteAdapter.Compose"/>
/// never throws or hangs; that whatever it does not compose comes back as the very same array with a reason; and
/// that whatever it composes Wasmtime either compiles or refuses with a <see cref="WasmtimeException"/>. Every
/// mutant is made from its own fixed seed, named in each failure (with the iteration), so any failure reproduces;
/// <c>SUPERVISOR_FUZZ_ITERATIONS</c> (default 200 per plugin) sets the run's length, see scripts/fuzz-composer.sh.
/// </summary>
public sealed class ComposerFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] WatSeeds = ["wkv", "wdb", "wsink", "wsmuggle", "walpha"];
    private static readonly string[] JsSeeds = ["jskv2", "jsdb"];

    // The type and import sections of these plugins sit in their first few hundred bytes: most mutations go there.
    private const int Head = 600;

    // componentize-js puts the outer sections before its 12 MB core module; compiling a composed one takes seconds.
    private const int JsWindow = 64 * 1024;
    private const int JsCompiles = 1;

    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    // If the test host crashes (in Wasmtime, say), this file names the mutant it was working on.
    private static readonly string Breadcrumb = Path.Combine(Path.GetTempPath(), "supervisor-composer-fuzz-current.txt");

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("SUPERVISOR_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 200;

    [Fact, Rule("PDP-ADAPT-3")]
    public void DeeplyNestedTypes_GiveAReason_NotAStackOverflow()
    {
        // An instance type holding an instance type ... 100,000 deep: without a depth limit the composer's
        // recursive walk overflowed the stack, which kills the process (Wasmtime refuses such a binary cleanly).
        const int depth = 100_000;
        var bytes = new List<byte> { 0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00 };
        var body = new List<byte> { 0x01 };
        for (var i = 0; i < depth; i++) body.AddRange([0x42, 0x01, 0x01]);
        body.AddRange([0x42, 0x00]);
        bytes.Add(0x07);
        for (var n = (uint)body.Count; ; n >>= 7)
        {
            bytes.Add((byte)(n < 0x80 ? n : (n & 0x7f) | 0x80));
            if (n < 0x80) break;
        }
        bytes.AddRange(body);
        var plugin = bytes.ToArray();
        var result = ByteAdapter.Compose(plugin);
        Assert.Equal(CompositionStatus.Unrecognized, result.Status);
        Assert.Contains("nest deeper than", result.Reason);
        Assert.Same(plugin, result.Bytes);
    }

    // The JavaScript seeds' unmutated compositions are compiled by ByteAdapterTests and BucketAdapterTests.
    [Fact, Rule("PDP-ADAPT-3")]
    public async Task UnmutatedSeeds_ComposeAndCompile()
    {
        foreach (var name in WatSeeds)
        {
            var plugin = Seed(name);
            var clock = Stopwatch.StartNew();
            var result = ByteAdapter.Compose(plugin);
            Assert.True(result.Status == CompositionStatus.Composed, $"{name} unmutated: {result.Status} ({result.Reason})");
            var error = await Bounded(() => Compile(result.Bytes), $"{name} unmutated", plugin, name);
            Assert.True(error is null, $"{name} unmutated: the composed component does not compile: {error}");
            output.WriteLine($"{name}: composed and compiled in {clock.ElapsedMilliseconds} ms");
        }
    }

    [Fact, Rule("PDP-ADAPT-3")]
    public async Task MutatedWatPlugins_ComposeOrGiveAReason_AndWasmtimeDecides()
    {
        for (var s = 0; s < WatSeeds.Length; s++)
            await Fuzz(WatSeeds[s], Seed(WatSeeds[s]), baseSeed: 101 + s, window: int.MaxValue, compiles: int.MaxValue);
    }

    [Fact, Rule("PDP-ADAPT-3")]
    public async Task MutatedJavaScriptPlugins_ComposeOrGiveAReason_AndWasmtimeDecides()
    {
        for (var s = 0; s < JsSeeds.Length; s++)
            await Fuzz(JsSeeds[s], Seed(JsSeeds[s]), baseSeed: 201 + s, window: JsWindow, compiles: JsCompiles);
    }

    [Fact, Rule("PDP-ADAPT-3"), Rule("PDP-ADAPT-6")]
    public async Task MutatedTailOfASplicedPlugin_SplicesNestsOrGivesAReason_AndWasmtimeDecides()
    {
        // jsnotes is spliced; the sections the splicer reads (aliases, canon, core instances, the fixup module) sit
        // after its 12 MB core module, in the last few KiB: overwrite bytes there.
        var plugin = File.ReadAllBytes(PluginTestBase.JsPlugin("jsnotes"));
        Assert.True(ByteAdapter.Compose(plugin).IsSpliced);
        const int tail = 4096;
        var clock = Stopwatch.StartNew();
        int spliced = 0, nested = 0, compiled = 0;
        // Each mutant copies the 12 MB plugin (and composes it twice): a quarter of the iterations.
        for (var i = 0; i < Iterations / 4; i++)
        {
            var seed = unchecked(301 * 1_000_003 + i);
            var rng = new Random(seed);
            var mutant = (byte[])plugin.Clone();
            var at = new List<string>();
            for (var n = rng.Next(1, 4); n > 0; n--)
            {
                var p = mutant.Length - 1 - rng.Next(tail);
                mutant[p] = (byte)rng.Next(256);
                at.Add($"{p}=0x{mutant[p]:x2}");
            }
            var where = $"jsnotes tail iteration {i} seed {seed} (overwrite {string.Join(", ", at)})";
            CompositionResult? result = null;
            var error = await Bounded(() => result = ByteAdapter.Compose(mutant), where, mutant, $"jsnotes-tail-{seed}");
            if (error is not null) Assert.Fail($"{where}: Compose threw {error} [mutant saved to {Save(mutant, $"jsnotes-tail-{seed}")}]");
            if (!result!.IsComposed)
            {
                Assert.True(ReferenceEquals(mutant, result.Bytes), $"{where}: {result.Status} but the bytes are not the input array");
                continue;
            }
            if (result.IsSpliced) spliced++;
            else nested++;
            if (!result.IsSpliced || compiled++ > 0) continue;
            error = await Bounded(() => Compile(result.Bytes), where, mutant, $"jsnotes-tail-{seed}");
            if (error is not (null or WasmtimeException))
                Assert.Fail($"{where}: compiling the spliced component threw {error} [mutant saved to {Save(mutant, $"jsnotes-tail-{seed}")}]");
        }
        File.Delete(Breadcrumb);
        output.WriteLine($"jsnotes tail: {Iterations / 4} mutants in {clock.ElapsedMilliseconds} ms: {spliced} spliced, {nested} nested");
    }

    private async Task Fuzz(string name, byte[] plugin, int baseSeed, int window, int compiles)
    {
        var clock = Stopwatch.StartNew();
        var compiling = new Stopwatch();
        int composed = 0, accepted = 0, refused = 0, unchanged = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var seed = unchecked(baseSeed * 1_000_003 + i);
            var (mutant, how) = Mutate(plugin, new Random(seed), window);
            var where = $"{name} iteration {i} seed {seed} ({how})";

            CompositionResult? result = null;
            var error = await Bounded(() => result = ByteAdapter.Compose(mutant), where, mutant, $"{name}-{seed}");
            if (error is not null) Assert.Fail($"{where}: Compose threw {error} [mutant saved to {Save(mutant, $"{name}-{seed}")}]");
            if (!result!.IsComposed)
            {
                unchanged++;
                Assert.True(ReferenceEquals(mutant, result.Bytes), $"{where}: {result.Status} but the bytes are not the input array");
                Assert.False(string.IsNullOrEmpty(result.Reason), $"{where}: {result.Status} without a reason");
                continue;
            }
            Assert.True(ReferenceEquals(mutant, result.Original), $"{where}: composed, but Original is not the input array");
            if (++composed > compiles) continue;
            compiling.Start();
            error = await Bounded(() => Compile(result.Bytes), where, mutant, $"{name}-{seed}");
            compiling.Stop();
            if (error is not (null or WasmtimeException))
                Assert.Fail($"{where}: compiling the composed component threw {error} [mutant saved to {Save(mutant, $"{name}-{seed}")}]");
            if (error is null) accepted++;
            else refused++;
        }
        File.Delete(Breadcrumb);
        output.WriteLine($"{name}: {Iterations} mutants in {clock.ElapsedMilliseconds} ms: {unchanged} not composed, " +
                         $"{composed} composed ({accepted} compiled, {refused} refused by Wasmtime, {composed - accepted - refused} not compiled; {compiling.ElapsedMilliseconds} ms compiling)");
    }

    private static void Compile(byte[] bytes)
    {
        using var component = TestSupport.Engine.Compile(bytes);
    }

    /// <summary>Runs <paramref name="action"/> on the thread pool; returns what it threw (null if nothing), or fails if it hangs.</summary>
    private static async Task<Exception?> Bounded(Action action, string where, byte[] mutant, string label)
    {
        await File.WriteAllTextAsync(Breadcrumb, where);
        var task = Task.Run(action);
        try
        {
            await task.WaitAsync(Limit);
            return null;
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            Assert.Fail($"{where}: no answer within {Limit.TotalSeconds} s [mutant saved to {Save(mutant, label)}]");
            throw;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static string Save(byte[] mutant, string label)
    {
        var file = Path.Combine(Path.GetTempPath(), $"supervisor-composer-fuzz-{label}.wasm");
        File.WriteAllBytes(file, mutant);
        return file;
    }

    private static byte[] Seed(string name)
    {
        if (WatSeeds.Contains(name))
            return Wat.ToBinary(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins", name, "plugin.wat")));
        return File.ReadAllBytes(PluginTestBase.JsPlugin(name));
    }

    /// <summary>One mutant of <paramref name="plugin"/>, changed only in its first <paramref name="window"/> bytes; the same <paramref name="rng"/> seed gives the same mutant.</summary>
    internal static (byte[] Mutant, string How) Mutate(byte[] plugin, Random rng, int window)
    {
        var span = Math.Min(window, plugin.Length);
        int Position() => rng.Next(2) == 0 ? rng.Next(Math.Min(Head, span)) : rng.Next(span);
        switch (rng.Next(8))
        {
            case 0 or 1 or 2:
            {
                var mutant = Concat(plugin, [], []);
                var at = new List<string>();
                for (var n = rng.Next(1, 5); n > 0; n--)
                {
                    var p = Position();
                    mutant[p] = (byte)rng.Next(256);
                    at.Add($"{p}=0x{mutant[p]:x2}");
                }
                return (mutant, "overwrite " + string.Join(", ", at));
            }
            case 3:
            {
                var length = rng.Next(span);
                return (plugin[..length], $"truncate to {length} bytes");
            }
            case 4:
            {
                var p = rng.Next(2) == 0 ? rng.Next(Math.Min(Head, span) + 1) : rng.Next(span + 1);
                var inserted = new byte[rng.Next(1, 5)];
                rng.NextBytes(inserted);
                return (Concat(plugin.AsSpan(0, p), inserted, plugin.AsSpan(p)), $"insert {Convert.ToHexString(inserted)} at {p}");
            }
            case 5:
            {
                var p = Position();
                var n = Math.Min(rng.Next(1, 5), plugin.Length - p);
                return (Concat(plugin.AsSpan(0, p), [], plugin.AsSpan(p + n)), $"delete {n} bytes at {p}");
            }
            default:
                return PerturbSection(plugin, rng, span);
        }
    }

    /// <summary>Rewrites the size, or the leading item count, of a section whose header lies in the first <paramref name="span"/> bytes.</summary>
    private static (byte[] Mutant, string How) PerturbSection(byte[] plugin, Random rng, int span)
    {
        var sections = new List<(int Header, int SizeEnd, int End, uint Size)>();
        for (var p = 8; p < plugin.Length && p < span;)
        {
            var header = p++;
            var size = Leb(plugin, ref p);
            sections.Add((header, p, p + (int)size, size));
            p += (int)size;
        }
        var (start, sizeEnd, end, oldSize) = sections[rng.Next(sections.Count)];
        var id = plugin[start];
        var body = plugin.AsSpan(sizeEnd, end - sizeEnd);
        byte[] Rebuild(uint size, ReadOnlySpan<byte> contents, int minBytes = 1) =>
            Concat(plugin.AsSpan(0, start + 1), [.. Encode(size, minBytes), .. contents], plugin.AsSpan(end));

        switch (rng.Next(4))
        {
            case 0:
            {
                var size = (uint)Math.Max(0, (long)oldSize + rng.Next(-3, 4));
                return (Rebuild(size, body), $"section {id} at {start}: size {oldSize} -> {size}");
            }
            case 1:
            {
                var size = (uint)rng.Next() * (uint)(rng.Next(2) + 1);
                return (Rebuild(size, body), $"section {id} at {start}: size {oldSize} -> {size}");
            }
            case 2:
            {
                // Same value, padded to five bytes: still valid, but every later offset moves.
                return (Rebuild(oldSize, body, 5), $"section {id} at {start}: size {oldSize} padded to 5 bytes");
            }
            default:
            {
                var p = sizeEnd;
                if (body.Length == 0 || !TryLeb(plugin, end, ref p, out var count))
                    return (Rebuild(oldSize + 1, body), $"section {id} at {start}: size {oldSize} -> {oldSize + 1}");
                var newCount = rng.Next(3) == 0 ? (uint)rng.Next() : (uint)Math.Max(0, (long)count + rng.Next(-2, 3));
                byte[] contents = [.. Encode(newCount, 1), .. plugin.AsSpan(p, end - p)];
                return (Rebuild((uint)contents.Length, contents), $"section {id} at {start}: count {count} -> {newCount}");
            }
        }
    }

    // Uninitialized: for the JavaScript plugins these arrays are 12 MB, and zeroing them first doubled the cost of a mutant.
    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(a.Length + b.Length + c.Length);
        a.CopyTo(bytes);
        b.CopyTo(bytes.AsSpan(a.Length));
        c.CopyTo(bytes.AsSpan(a.Length + b.Length));
        return bytes;
    }

    private static uint Leb(byte[] bytes, ref int p) =>
        TryLeb(bytes, bytes.Length, ref p, out var v) ? v : throw new InvalidOperationException($"bad LEB128 in a seed at {p}");

    private static bool TryLeb(byte[] bytes, int end, ref int p, out uint value)
    {
        value = 0;
        for (var shift = 0; shift < 35 && p < end; shift += 7)
        {
            var b = bytes[p++];
            value |= (uint)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }

    private static byte[] Encode(uint value, int minBytes)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7f);
            value >>= 7;
            if (value != 0 || bytes.Count + 1 < minBytes) b |= 0x80;
            bytes.Add(b);
        } while (value != 0 || bytes.Count < minBytes);
        return [.. bytes];
    }
}
