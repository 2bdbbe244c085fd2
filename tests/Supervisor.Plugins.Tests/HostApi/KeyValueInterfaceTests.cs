using System.Text;
using Supervisor.Storage;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// The JavaScript plugins that exercise the host's key/value interfaces (built from <c>plugins-js/</c> into
/// <c>artifacts/plugins</c> by <c>npm ci &amp;&amp; npm run build:plugins</c>):
/// <c>jskv1:plugin</c> (<c>wasi:keyvalue@0.2.0-draft</c>), <c>jskv1:both</c> (the same service through
/// <c>wasi:keyvalue@0.2.0-draft2</c> and <c>host:db/store</c>), <c>jskv2:plugin</c> (<c>@0.2.0-draft2</c>),
/// <c>jsdb:plugin</c> (<c>host:db/store</c>) and <c>jsdbold:plugin</c> (<c>host:common/store</c>).
/// The plugins report host errors as text: "other: &lt;message&gt;", "no-such-store", "access-denied".
/// </summary>
public abstract class HostStorePluginTestBase : PluginTestBase
{
    /// <summary>(service, plugin) of every plugin these tests load.</summary>
    private static readonly (string Service, string Plugin)[] Plugins =
    [
        ("jskv1", "plugin"), ("jskv1", "both"), ("jskv2", "plugin"), ("jsdb", "plugin"), ("jsdbold", "plugin"),
    ];

    private static readonly object CompileGate = new();
    private static bool _compiled;

    protected HostStorePluginTestBase()
    {
        PluginDir = Dir.File("plugins");
        foreach (var (service, plugin) in Plugins)
            Link(JsPlugin(service, plugin), Path.Combine(PluginDir, service, plugin + ".wasm"));
        EnsureCompiled(PluginDir);
    }

    /// <summary>A plugin directory holding links to the built plugins.</summary>
    protected string PluginDir { get; }

    /// <summary>
    /// Compiles the plugins into the shared compile cache once per test process (7 s each, more on a busy
    /// machine), and checks that the import check admits every one of them.
    /// </summary>
    private static void EnsureCompiled(string plugins)
    {
        lock (CompileGate)
        {
            if (_compiled) return;
            using var s = PluginSupervisor.Create(new SupervisorOptions
            {
                PluginDirectory = plugins, CacheDirectory = SharedCache, Storage = new StorageOptions { Backend = "memory" }, ByteAdapter = DefaultByteAdapter,
            });
            foreach (var (service, plugin) in Plugins)
            {
                var d = s.Describe(service, plugin);
                Assert.True(d.Allowed, $"{service}:{plugin} imports what the host refuses: " +
                    string.Join("; ", d.Imports.Where(i => i.Refusal is not null).Select(i => $"{i.Name}: {i.Refusal}")));
            }
            _compiled = true;
        }
    }

    protected PluginSupervisor NewJsSupervisor(Action<SupervisorOptions>? configure = null) => NewSupervisor(o =>
    {
        o.PluginDirectory = PluginDir;
        configure?.Invoke(o);
    });

    /// <summary>A second supervisor on the same store file (a new session), disposed with the test.</summary>
    protected PluginSupervisor OtherSession(Action<SupervisorOptions>? configure = null) => NewJsSupervisor(configure);

    /// <summary>
    /// Runs <paramref name="service"/> without turns, so another operation can look at its records while an operation
    /// that entered it is still open (which its turn would otherwise make wait: PDP-TURN-1).
    /// </summary>
    protected static Action<SupervisorOptions> Concurrent(string service) => o => o.ConcurrentPlugins.Add(service);

    /// <summary>The payload of an <c>ok</c> result.</summary>
    protected static object? Ok(object? result)
    {
        var r = Assert.IsType<WitResult>(result);
        Assert.True(r.IsOk, $"expected ok, got err({r.Value})");
        return r.Value;
    }

    /// <summary>Calls a function expected to return <c>err(text)</c>; returns the text.</summary>
    protected static string Err(PluginSupervisor s, string target, params object?[] args)
    {
        var e = Assert.Throws<PluginException>(() => s.Call(target, args));
        Assert.True(e.Code == PluginErrorCode.ErrorResult, $"expected an err result from {target}, got {e.Code}: {e.Message}");
        return Assert.IsType<string>(e.ErrorValue);
    }

    /// <summary>Calls a function expected to trap; returns the exception.</summary>
    protected static PluginException Trap(PluginSupervisor s, string target, params object?[] args)
    {
        var e = Assert.Throws<PluginException>(() => s.Call(target, args));
        Assert.True(e.Code == PluginErrorCode.Trap, $"expected a trap from {target}, got {e.Code}: {e.Message}");
        return e;
    }

    /// <summary>A persistent record read straight from the store.</summary>
    protected static byte[]? StoredRecord(PluginSupervisor s, DbMode mode, string service, string bucket, string key)
    {
        using var session = s.Store.OpenSession();
        using var op = session.BeginOperation();
        return op.OpenBucket(s.ChainId, mode, StorageDuration.Persistent, service, bucket).Get(key);
    }

    /// <summary>Writes a persistent record straight into the store.</summary>
    protected static void StoreRecord(PluginSupervisor s, DbMode mode, string service, string bucket, string key, byte[] value)
    {
        using var session = s.Store.OpenSession();
        using var op = session.BeginOperation();
        op.OpenBucket(s.ChainId, mode, StorageDuration.Persistent, service, bucket).Set(key, value);
        op.Commit();
    }

    /// <summary>Asserts that a message the plugin saw names nothing of the host's file system.</summary>
    protected void AssertNoHostPaths(string message)
    {
        Assert.DoesNotContain(Dir.Path, message);
        Assert.DoesNotContain(RepositoryPaths.Root, message);
        Assert.DoesNotContain("store.db", message);
        Assert.DoesNotContain(SharedCache, message);
    }
}

/// <summary>
/// <c>wasi:keyvalue</c> at <c>0.2.0-draft</c> (<c>jskv1</c>) and <c>0.2.0-draft2</c> (<c>jskv2</c>) through
/// componentize-js plugins: every function of both versions, scoping, paging, counters, cas, batches,
/// errors and handle limits.
/// </summary>
public sealed class KeyValueInterfaceTests : HostStorePluginTestBase
{
    private const string V1 = "jskv1:plugin/api";
    private const string V2 = "jskv2:plugin/api";
    private const string Both = "jskv1:both/api";

    /// <summary>The plugin of each version (for theories).</summary>
    public static TheoryData<string> Versions => new() { V1, V2 };

    private static string ServiceOf(string api) => api[..api.IndexOf(':')];

    /// <summary>A delta of the version's type: u64 in draft, s64 in draft2.</summary>
    private static object Delta(string api, long delta) => api == V1 ? (object)checked((ulong)delta) : delta;

    private static long Counter(object? value) => value switch
    {
        ulong u => checked((long)u),
        long l => l,
        _ => throw new InvalidCastException($"not a counter: {value?.GetType().Name ?? "null"}"),
    };

    private static byte[] Bytes(int size, int seed)
    {
        var value = new byte[size];
        new Random(seed).NextBytes(value);
        return value;
    }

    private static string Text(object? bytes) => Encoding.UTF8.GetString(Assert.IsType<byte[]>(bytes));

    private static List<List<string>> Pages(object? listAllResult) =>
        Assert.IsType<List<object?>>(Ok(listAllResult)).Select(p => Assert.IsType<List<object?>>(p).Cast<string>().ToList()).ToList();

    /// <summary>Compares strings by their UTF-8 bytes (the store's order).</summary>
    private static readonly Comparer<string> Utf8Order = Comparer<string>.Create((a, b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b)));

    private static List<object?> Pairs(IEnumerable<(string Key, byte[] Value)> records) =>
        records.Select(r => (object?)new object?[] { r.Key, r.Value }).ToList();

    // ------------------------------------------------------------------ store: get/set/delete/exists

    [Theory, Rule("PDP-KV-1", "PDP-KV-2")]
    [MemberData(nameof(Versions))]
    public void EveryStoreFunction_Works(string api)
    {
        var s = NewJsSupervisor();
        Assert.Null(Ok(s.Call($"{api}.get", "default", "k")));
        Assert.Equal(false, Ok(s.Call($"{api}.exists", "default", "k")));
        Ok(s.Call($"{api}.set", "default", "k", B("v1")));
        Assert.Equal(B("v1"), Ok(s.Call($"{api}.get", "default", "k")));
        Assert.Equal(true, Ok(s.Call($"{api}.exists", "default", "k")));
        Ok(s.Call($"{api}.set", "default", "k", B("v2")));
        Assert.Equal(B("v2"), Ok(s.Call($"{api}.get", "default", "k")));
        Ok(s.Call($"{api}.set", "default", "empty", Array.Empty<byte>()));
        Assert.Equal(Array.Empty<byte>(), Ok(s.Call($"{api}.get", "default", "empty"))); // some(""), not none
        Assert.Equal(true, Ok(s.Call($"{api}.exists", "default", "empty")));
        Ok(s.Call($"{api}.delete", "default", "k"));
        Assert.Null(Ok(s.Call($"{api}.get", "default", "k")));
        Assert.Equal(false, Ok(s.Call($"{api}.exists", "default", "k")));
        Ok(s.Call($"{api}.delete", "default", "never-there")); // deleting an absent key is not an error

        // Where the records live: service = the plugin, bucket = the identifier, non-transactional, persistent.
        Assert.Equal(Array.Empty<byte>(), StoredRecord(s, DbMode.NonTransactional, ServiceOf(api), "default", "empty"));
        Assert.Null(StoredRecord(s, DbMode.Transactional, ServiceOf(api), "default", "empty"));
    }

    [Theory, Rule("PDP-KV-1")]
    [MemberData(nameof(Versions))]
    public void Values_RoundTripExactly_UpToTheLimit(string api)
    {
        var s = NewJsSupervisor();
        foreach (var size in new[] { 1, 1000, 102400 })
        {
            var value = Bytes(size, size);
            Ok(s.Call($"{api}.set", "blobs", $"b{size}", value));
            Assert.Equal(value, Ok(s.Call($"{api}.get", "blobs", $"b{size}")));
            Assert.Equal(value, StoredRecord(s, DbMode.NonTransactional, ServiceOf(api), "blobs", $"b{size}"));
        }
    }

    [Fact, Rule("PDP-KV-2", "PDP-SEC-2")]
    public void TwoPlugins_OpeningTheSameIdentifier_GetDifferentBuckets()
    {
        var s = NewJsSupervisor();
        Ok(s.Call($"{V1}.set", "default", "k", B("draft's")));
        Ok(s.Call($"{V2}.set", "default", "k", B("draft2's")));
        Assert.Equal(B("draft's"), Ok(s.Call($"{V1}.get", "default", "k")));
        Assert.Equal(B("draft2's"), Ok(s.Call($"{V2}.get", "default", "k")));

        Ok(s.Call($"{V2}.set", "default", "only-kv2", B("x")));
        Assert.Null(Ok(s.Call($"{V1}.get", "default", "only-kv2")));
        Ok(s.Call($"{V1}.delete", "default", "k"));
        Assert.Equal(B("draft2's"), Ok(s.Call($"{V2}.get", "default", "k")));
        Assert.Equal(["k", "only-kv2"], Pages(s.Call($"{V2}.list-all", "default")).SelectMany(p => p));
        Assert.Equal(new List<string>(), Pages(s.Call($"{V1}.list-all", "default")).SelectMany(p => p).ToList());

        // In the store: service = the calling plugin.
        Assert.Null(StoredRecord(s, DbMode.NonTransactional, "jskv1", "default", "k"));
        Assert.Equal(B("draft2's"), StoredRecord(s, DbMode.NonTransactional, "jskv2", "default", "k"));
        // A record another plugin's bucket holds is not reachable by name.
        StoreRecord(s, DbMode.NonTransactional, "jsnotes", "default", "secret", B("s"));
        Assert.Null(Ok(s.Call($"{V1}.get", "default", "secret")));
        Assert.Null(Ok(s.Call($"{V2}.get", "default", "secret")));
    }

    [Fact, Rule("PDP-KV-1")]
    public void BothVersions_AndHostDb_ReachTheSameRecords()
    {
        // jskv1:plugin (draft) and jskv1:both (draft2 + host:db) are one service, so one namespace.
        var s = NewJsSupervisor();
        Ok(s.Call($"{V1}.set", "shared", "from-draft", B("1")));
        Assert.Equal(B("1"), Ok(s.Call($"{Both}.kv2-get", "shared", "from-draft")));
        Assert.Equal(B("1"), s.Call($"{Both}.db-get", "shared", "from-draft"));

        Ok(s.Call($"{Both}.kv2-set", "shared", "from-draft2", B("2")));
        Assert.Equal(B("2"), Ok(s.Call($"{V1}.get", "shared", "from-draft2")));
        Assert.Equal(B("2"), s.Call($"{Both}.db-get", "shared", "from-draft2"));

        s.Call($"{Both}.db-set", "shared", "from-db", B("3"));
        Assert.Equal(B("3"), Ok(s.Call($"{V1}.get", "shared", "from-db")));
        Assert.Equal(B("3"), Ok(s.Call($"{Both}.kv2-get", "shared", "from-db")));

        Assert.Equal(["from-db", "from-draft", "from-draft2"], Pages(s.Call($"{V1}.list-all", "shared")).SelectMany(p => p));
        Assert.Equal(B("3"), StoredRecord(s, DbMode.NonTransactional, "jskv1", "shared", "from-db"));
    }

    [Theory, Rule("PDP-KV-3", "PDP-DUR-1")]
    [MemberData(nameof(Versions))]
    public void Writes_AreNonTransactional_AndPersistent(string api)
    {
        var s = NewJsSupervisor();
        // A write inside an operation that fails stays: it was committed when the call returned.
        using (var op = s.BeginOperation())
        {
            Ok(op.Call($"{api}.set", "default", "k", B("v")));
            Ok(op.Call($"{api}.increment", "default", "n", Delta(api, 2)));
            Ok(op.Call($"{api}.set-many", "default", Pairs([("m", B("m"))])));
            Assert.Equal(B("v"), StoredRecord(s, DbMode.NonTransactional, ServiceOf(api), "default", "k")); // before the operation ends
            op.Fail();
        }
        Assert.Equal(B("v"), Ok(s.Call($"{api}.get", "default", "k")));
        Assert.Equal(B("2"), Ok(s.Call($"{api}.get", "default", "n")));
        Assert.Equal(B("m"), Ok(s.Call($"{api}.get", "default", "m")));
        // An err result after a write (a later page of the listing fails on a key over the limit) keeps the write.
        var error = Err(s, $"{api}.list-all-mutating", "default", new[] { "added" }, new[] { new string('x', 257) });
        Assert.StartsWith("other: ", error);
        Assert.Equal(B("\u0001"), Ok(s.Call($"{api}.get", "default", "added")));
        // Another session on the same file reads them.
        var other = OtherSession();
        Assert.Equal(B("v"), Ok(other.Call($"{api}.get", "default", "k")));
        Assert.Equal(B("\u0001"), Ok(other.Call($"{api}.get", "default", "added")));
    }

    // ------------------------------------------------------------------ listing

    private static List<string> ListingKeys() =>
        Enumerable.Range(0, 250).Select(i => $"k{i:D3}")
            .Concat(["é", "\uFF21", "😀", "Z", "a b", "k-ключ"]) // UTF-8 order differs from UTF-16 order for the last ones
            .ToList();

    private static void Fill(PluginSupervisor s, string api, string bucket, IEnumerable<string> keys) =>
        Ok(s.Call($"{api}.set-many", bucket, Pairs(keys.Select(k => (k, B(k))))));

    [Theory, Rule("PDP-KV-4", "PDP-LIST-3")]
    [MemberData(nameof(Versions))]
    public void ListKeys_PagesOf100_InUtf8Order_EveryKeyOnce(string api)
    {
        var s = NewJsSupervisor();
        var keys = ListingKeys();
        Fill(s, api, "many", keys);
        var pages = Pages(s.Call($"{api}.list-all", "many"));
        Assert.Equal([100, 100, 56], pages.Select(p => p.Count));
        var expected = keys.OrderBy(k => k, Utf8Order).ToList();
        Assert.Equal(expected, pages.SelectMany(p => p).ToList());

        // One page: the first 100 keys and a cursor; the cursor is none on the last page.
        var first = Assert.IsType<object?[]>(Ok(s.Call($"{api}.list-page", "many", null)));
        Assert.Equal(expected.Take(100), Assert.IsType<List<object?>>(first[0]).Cast<string>());
        Assert.NotNull(first[1]);

        // An empty bucket: one empty page, no cursor.
        Assert.Equal([[]], Pages(s.Call($"{api}.list-all", "nothing-here")));
        var empty = Assert.IsType<object?[]>(Ok(s.Call($"{api}.list-page", "nothing-here", null)));
        Assert.Empty(Assert.IsType<List<object?>>(empty[0]));
        Assert.Null(empty[1]);

        // A bucket of fewer keys than a page: one page, no cursor.
        Fill(s, api, "few", ["b", "a", "c"]);
        var few = Assert.IsType<object?[]>(Ok(s.Call($"{api}.list-page", "few", null)));
        Assert.Equal(["a", "b", "c"], Assert.IsType<List<object?>>(few[0]).Cast<string>());
        Assert.Null(few[1]);
    }

    [Theory, Rule("PDP-KV-4", "PDP-LIST-3")]
    [MemberData(nameof(Versions))]
    public void ListKeys_WhileKeysAreAddedAndRemoved_KeysPresentThroughoutComeBackOnce(string api)
    {
        var s = NewJsSupervisor();
        var keys = Enumerable.Range(0, 350).Select(i => $"k{i:D3}").ToList();
        Fill(s, api, "moving", keys);
        string[] added = ["a-before-all", "k150x", "z-after-all"];
        string[] removed = ["k120", "k250", "k251"];
        var listed = Pages(s.Call($"{api}.list-all-mutating", "moving", added, removed)).SelectMany(p => p).ToList();

        Assert.Equal(listed.Count, listed.Distinct().Count()); // nothing twice
        foreach (var k in keys.Except(removed)) Assert.Single(listed, k); // every key present for the whole listing, once
        Assert.DoesNotContain("a-before-all", listed); // before the resume point
        Assert.Equal(listed.OrderBy(k => k, Utf8Order), listed);
        Assert.DoesNotContain(listed, k => !keys.Contains(k) && !added.Contains(k));
    }

    [Fact, Rule("PDP-KV-4", "PDP-KV-8")]
    public void Draft_NumericCursor_IsBoundToItsHandle_UnknownOrStaleCursorsAreErrors()
    {
        var s = NewJsSupervisor();
        Fill(s, V1, "many", ListingKeys());
        // list-page opens a fresh handle each call: a cursor of the previous (dropped) handle is stale.
        var first = Assert.IsType<object?[]>(Ok(s.Call($"{V1}.list-page", "many", null)));
        var cursor = Assert.IsType<ulong>(first[1]);
        var stale = Err(s, $"{V1}.list-page", "many", cursor);
        Assert.StartsWith("other: ", stale);
        Assert.Contains("cursor", stale);
        var unknown = Err(s, $"{V1}.list-page", "many", 987654321UL);
        Assert.StartsWith("other: ", unknown);
        Assert.Contains("cursor", unknown);
        AssertNoHostPaths(unknown);

        // Taken from handle A and used on handle B: refused, whether A is still open or dropped.
        Assert.StartsWith("other: ", Assert.IsType<string>(Ok(s.Call($"{V1}.cursor-on-other-handle", "many", false))));
        Assert.StartsWith("other: ", Assert.IsType<string>(Ok(s.Call($"{V1}.cursor-on-other-handle", "many", true))));
    }

    [Fact, Rule("PDP-KV-4", "PDP-KV-8")]
    public void Draft2_StringCursor_ResumesAcrossHandles_InvalidCursorIsAnError()
    {
        var s = NewJsSupervisor();
        var keys = ListingKeys();
        Fill(s, V2, "many", keys);
        var expected = keys.OrderBy(k => k, Utf8Order).ToList();
        // The string cursor carries its resume point: each page on a fresh handle continues the listing.
        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.list-page", "many", cursor)));
            listed.AddRange(Assert.IsType<List<object?>>(page[0]).Cast<string>());
            cursor = (string?)page[1];
            Assert.True(++pages < 10);
        }
        while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(expected, listed);

        foreach (var bad in new[] { "%%% not a cursor %%%", "AAAA", "not-base64!" })
        {
            var error = Err(s, $"{V2}.list-page", "many", bad);
            Assert.StartsWith("other: ", error);
            AssertNoHostPaths(error);
        }
    }

    [Fact, Rule("PDP-KV-4", "PDP-KV-8")]
    public void Draft2_ListKeys_EmptyOrForeignCursor_IsAnOtherErrorSayingWhy()
    {
        var s = NewJsSupervisor();
        Fill(s, V2, "many", ListingKeys());
        // An empty string is not a cursor: none starts a listing.
        var empty = Err(s, $"{V2}.list-page", "many", "");
        Assert.Equal("other: list cursor is empty; pass none to start a listing", empty);
        // Not base64url, or base64url of bytes that are no cursor of this store: refused, saying so.
        foreach (var bad in new[] { "%%% not a cursor %%%", "AAAA", "not-base64!", "_w" })
            Assert.Equal("other: list cursor was not produced by this store", Err(s, $"{V2}.list-page", "many", bad));
        // A cursor the store gave still resumes after the refusals.
        var first = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.list-page", "many", null)));
        var next = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.list-page", "many", Assert.IsType<string>(first[1]))));
        Assert.Equal(100, Assert.IsType<List<object?>>(next[0]).Count);
    }

    [Fact, Rule("PDP-KV-4", "PDP-KV-8")]
    public void Draft_ListKeys_UnknownCursor_SaysItIsUnknownOrExpired()
    {
        var s = NewJsSupervisor();
        Fill(s, V1, "many", ListingKeys());
        Assert.Equal("other: list cursor 987654321 is unknown or has expired; start the listing again",
            Err(s, $"{V1}.list-page", "many", 987654321UL));
        Assert.Equal($"other: list cursor {ulong.MaxValue} is unknown or has expired; start the listing again",
            Err(s, $"{V1}.list-page", "many", ulong.MaxValue));
    }

    // ------------------------------------------------------------------ counters

    [Theory, Rule("PDP-KV-5", "PDP-INCR-1")]
    [MemberData(nameof(Versions))]
    public void Increment_KeepsDecimalText_AbsentIsZero(string api)
    {
        var s = NewJsSupervisor();
        Assert.Equal(5, Counter(Ok(s.Call($"{api}.increment", "c", "n", Delta(api, 5)))));
        Assert.Equal(8, Counter(Ok(s.Call($"{api}.increment", "c", "n", Delta(api, 3)))));
        Assert.Equal(8, Counter(Ok(s.Call($"{api}.increment", "c", "n", Delta(api, 0)))));
        Assert.Equal("8", Text(Ok(s.Call($"{api}.get", "c", "n"))));
        Assert.Equal(B("8"), StoredRecord(s, DbMode.NonTransactional, ServiceOf(api), "c", "n"));
        Assert.Equal(108, Counter(Ok(s.Call($"{api}.increment-n", "c", "n", Delta(api, 1), 100u))));
        // A counter written as text by the plugin counts on.
        Ok(s.Call($"{api}.set", "c", "m", B("41")));
        Assert.Equal(42, Counter(Ok(s.Call($"{api}.increment", "c", "m", Delta(api, 1)))));
    }

    [Theory, Rule("PDP-KV-5", "PDP-KV-8")]
    [MemberData(nameof(Versions))]
    public void Increment_OfANonInteger_IsAnError_AndLeavesTheValue(string api)
    {
        var s = NewJsSupervisor();
        foreach (var text in new[] { "abc", "1.5", " 1", "", "0x10", "99999999999999999999" })
        {
            Ok(s.Call($"{api}.set", "c", "t", B(text)));
            var error = Err(s, $"{api}.increment", "c", "t", Delta(api, 1));
            Assert.StartsWith("other: ", error);
            Assert.Equal(B(text), Ok(s.Call($"{api}.get", "c", "t")));
        }
    }

    [Fact, Rule("PDP-KV-5", "PDP-KV-8")]
    public void Draft_U64Increment_RefusesResultsTheStoreCannotHold_AndNegativeCounters()
    {
        var s = NewJsSupervisor();
        Assert.Equal((ulong)long.MaxValue, Ok(s.Call($"{V1}.increment", "c", "max", (ulong)long.MaxValue)));
        Assert.StartsWith("other: ", Err(s, $"{V1}.increment", "c", "max", 1UL));
        Assert.Equal(B(long.MaxValue.ToString()), Ok(s.Call($"{V1}.get", "c", "max")));
        Assert.StartsWith("other: ", Err(s, $"{V1}.increment", "c", "fresh", (ulong)long.MaxValue + 1));
        Assert.StartsWith("other: ", Err(s, $"{V1}.increment", "c", "fresh", ulong.MaxValue));
        Assert.Null(Ok(s.Call($"{V1}.get", "c", "fresh")));
        // A stored negative counter has no u64 form.
        Ok(s.Call($"{V1}.set", "c", "neg", B("-3")));
        Assert.StartsWith("other: ", Err(s, $"{V1}.increment", "c", "neg", 1UL));
        Assert.Equal(B("-3"), Ok(s.Call($"{V1}.get", "c", "neg")));
    }

    [Fact, Rule("PDP-KV-5", "PDP-KV-8")]
    public void Draft_U64Increment_Refusals_NameTheDeltaOrTheCounter()
    {
        var s = NewJsSupervisor();
        Assert.Equal($"other: delta {(ulong)long.MaxValue + 1} is larger than the largest counter the store keeps ({long.MaxValue})",
            Err(s, $"{V1}.increment", "c", "k", (ulong)long.MaxValue + 1));
        Assert.Equal($"other: delta {ulong.MaxValue} is larger than the largest counter the store keeps ({long.MaxValue})",
            Err(s, $"{V1}.increment", "c", "k", ulong.MaxValue));
        Ok(s.Call($"{V1}.set", "c", "neg", B("-1")));
        Assert.Equal("other: counter \"neg\" holds -1, which has no u64 form", Err(s, $"{V1}.increment", "c", "neg", 0UL));
        // Zero is a u64 counter: it counts on.
        Ok(s.Call($"{V1}.set", "c", "zero", B("0")));
        Assert.Equal(0UL, Ok(s.Call($"{V1}.increment", "c", "zero", 0UL)));
        Assert.Equal(7UL, Ok(s.Call($"{V1}.increment", "c", "zero", 7UL)));
        // The largest delta the store takes, on an absent counter.
        Assert.Equal((ulong)long.MaxValue, Ok(s.Call($"{V1}.increment", "c", "top", (ulong)long.MaxValue)));
        Assert.Null(Ok(s.Call($"{V1}.get", "c", "k")));
    }

    [Fact, Rule("PDP-KV-5", "PDP-INCR-2", "PDP-KV-8")]
    public void Draft2_S64Increment_CountsThroughNegatives_AndRefusesOverflow()
    {
        // Negative deltas cannot be sent from a componentize-js plugin: componentize-js (0.19.3, pinned, as 0.23.0) traps inside
        // the guest on any negative s64 import argument (ComponentizeJS issue #343), see
        // NegativeS64Argument_TrapsInsideComponentizeJs. Negative counters and results are covered here.
        var s = NewJsSupervisor();
        Ok(s.Call($"{V2}.set", "c", "n", B("-10")));
        Assert.Equal(-9L, Ok(s.Call($"{V2}.increment", "c", "n", 1L)));
        Assert.Equal(2L, Ok(s.Call($"{V2}.increment", "c", "n", 11L)));
        Assert.Equal(B("2"), Ok(s.Call($"{V2}.get", "c", "n")));

        Ok(s.Call($"{V2}.set", "c", "max", B(long.MaxValue.ToString())));
        Assert.StartsWith("other: ", Err(s, $"{V2}.increment", "c", "max", 1L));
        Assert.Equal(B(long.MaxValue.ToString()), Ok(s.Call($"{V2}.get", "c", "max")));
        Ok(s.Call($"{V2}.set", "c", "min", B(long.MinValue.ToString())));
        Assert.Equal(long.MinValue + 1, Ok(s.Call($"{V2}.increment", "c", "min", 1L)));
        Assert.Equal(long.MaxValue, Ok(s.Call($"{V2}.increment", "c", "fresh", long.MaxValue)));
        Assert.StartsWith("other: ", Err(s, $"{V2}.increment", "c", "fresh", long.MaxValue));
    }

    [Fact, Rule("PDP-KV-5")]
    public void NegativeS64Argument_TrapsInsideComponentizeJs()
    {
        // Pins the componentize-js defect (ComponentizeJS issue #343) the test above works around: the guest
        // traps while lowering the argument, so the host never runs and the counter is untouched. When a
        // componentize-js release fixes it, this test fails: then move the negative deltas back into the test above.
        var s = NewJsSupervisor();
        Ok(s.Call($"{V2}.set", "c", "n", B("10")));
        var e = Trap(s, $"{V2}.increment", "c", "n", -1L);
        Assert.Contains("unreachable", e.Message);
        Assert.Equal(B("10"), Ok(s.Call($"{V2}.get", "c", "n")));
    }

    [Theory, Rule("PDP-KV-5", "PDP-INCR-3")]
    [MemberData(nameof(Versions))]
    public void Increment_FromSeveralSupervisorsInParallel_CountsExactly(string api)
    {
        const int supervisors = 4, calls = 5, perCall = 50;
        var all = Enumerable.Range(0, supervisors).Select(_ => NewJsSupervisor()).ToList();
        foreach (var s in all) Assert.Equal(false, Ok(s.Call($"{api}.exists", "c", "warm"))); // instantiate before the race
        var start = new Barrier(supervisors);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        var threads = all.Select(s => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                for (var i = 0; i < calls; i++) Ok(s.Call($"{api}.increment-n", "c", "shared", Delta(api, 1), (uint)perCall));
            }
            catch (Exception e)
            {
                failures.Enqueue(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(3)), "the parallel increments did not finish in 3 minutes");
        Assert.Empty(failures);
        Assert.Equal((supervisors * calls * perCall).ToString(), Text(Ok(all[0].Call($"{api}.get", "c", "shared"))));
    }

    // ------------------------------------------------------------------ cas (draft2)

    [Fact, Rule("PDP-KV-6")]
    public void Cas_Current_ReturnsTheSnapshot()
    {
        var s = NewJsSupervisor();
        Assert.Null(Ok(s.Call($"{V2}.cas-current", "c", "k")));
        Ok(s.Call($"{V2}.set", "c", "k", B("v")));
        Assert.Equal(B("v"), Ok(s.Call($"{V2}.cas-current", "c", "k")));
    }

    [Fact, Rule("PDP-KV-6", "PDP-CAS-1")]
    public void Cas_Swap_WritesWhenUnchanged()
    {
        var s = NewJsSupervisor();
        Assert.Equal(true, Ok(s.Call($"{V2}.cas-update", "c", "absent", B("first")))); // absent and still absent
        Assert.Equal(B("first"), Ok(s.Call($"{V2}.get", "c", "absent")));
        Assert.Equal(true, Ok(s.Call($"{V2}.cas-update", "c", "absent", B("second"))));
        Assert.Equal(B("second"), Ok(s.Call($"{V2}.get", "c", "absent")));
        Assert.Equal(B("second"), StoredRecord(s, DbMode.NonTransactional, "jskv2", "c", "absent"));
    }

    [Fact, Rule("PDP-KV-6", "PDP-CAS-1")]
    public void Cas_Swap_AfterAChange_FailsWithAFreshHandle_AndDoesNotWrite()
    {
        var s = NewJsSupervisor();
        Ok(s.Call($"{V2}.set", "c", "k", B("v0")));
        var r = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.cas-conflict", "c", "k", B("interloper"), B("mine"))));
        Assert.Equal(B("v0"), r[0]); // the snapshot
        Assert.Equal(false, r[1]); // cas-failed
        Assert.Equal(B("interloper"), Ok(s.Call($"{V2}.get", "c", "k"))); // nothing written
        Assert.Equal(B("interloper"), r[2]); // the handle cas-failed returned holds the newer value (wasi-keyvalue: "brought up to the latest version")

        // The snapshot of an absent key conflicts with a key that appeared.
        var absent = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.cas-conflict", "c", "new", B("appeared"), B("mine"))));
        Assert.Null(absent[0]);
        Assert.Equal(false, absent[1]);
        Assert.Equal(B("appeared"), Ok(s.Call($"{V2}.get", "c", "new")));
    }

    [Fact, Rule("PDP-KV-6", "PDP-CAS-1")]
    public void Cas_Swap_OfTheSameValueWrittenAgain_StillSwaps()
    {
        // The snapshot is compared by value: a set of the same bytes is no conflict.
        var s = NewJsSupervisor();
        Ok(s.Call($"{V2}.set", "c", "k", B("same")));
        var r = Assert.IsType<object?[]>(Ok(s.Call($"{V2}.cas-conflict", "c", "k", B("same"), B("mine"))));
        Assert.Equal(true, r[1]);
        Assert.Null(r[2]);
        Assert.Equal(B("mine"), Ok(s.Call($"{V2}.get", "c", "k")));
    }

    [Fact, Rule("PDP-KV-6", "PDP-KV-9")]
    public void Cas_SwapsInOneCall_EachFreeTheirHandle()
    {
        // Two handles per instance: the bucket and one cas. A swap that wrote must free its cas handle, or the next
        // cas.new of the same call would find the table full.
        var s = NewJsSupervisor(o => o.MaxOpenBuckets = 2);
        Assert.Equal(5u, Ok(s.Call($"{V2}.cas-increment", "c", "n", 5u)));
        Assert.Equal(B("5"), StoredRecord(s, DbMode.NonTransactional, "jskv2", "c", "n"));
    }

    [Fact, Rule("PDP-KV-6", "PDP-KV-8", "PDP-LIMIT-2")]
    public void Cas_Swap_OfAValueOverTheLimit_IsStoreErrorNamingTheLimit_AndWritesNothing()
    {
        var s = NewJsSupervisor();
        Ok(s.Call($"{V2}.set", "c", "k", B("v0")));
        var error = Err(s, $"{V2}.cas-update", "c", "k", new byte[102401]);
        // swap's error type is cas-error: a refusal of the store is its store-error case, not a trap or cas-failed.
        Assert.StartsWith("store-error: other: ", error);
        Assert.Contains("102401", error);
        Assert.Contains("102400", error);
        AssertNoHostPaths(error);
        Assert.Equal(B("v0"), StoredRecord(s, DbMode.NonTransactional, "jskv2", "c", "k"));
    }

    [Fact, Rule("PDP-KV-6", "PDP-KV-8", "PDP-QUOTA-1")]
    public void Cas_Swap_OverTheQuota_IsStoreError_AndTheHandleIsFreed()
    {
        // Three handles per instance: the bucket and two more. Each refused swap must free its cas handle, or the
        // third refusal could not open one.
        var s = NewJsSupervisor(o =>
        {
            o.Storage.Limits = new StorageLimits { QuotaItems = 1 };
            o.MaxOpenBuckets = 3;
        });
        Ok(s.Call($"{V2}.set", "c", "one", B("1")));
        for (var i = 0; i < 5; i++)
        {
            var error = Err(s, $"{V2}.cas-update", "c", "two", B("2"));
            Assert.StartsWith("store-error: other: ", error);
            Assert.Contains("quota", error);
        }
        Assert.Null(StoredRecord(s, DbMode.NonTransactional, "jskv2", "c", "two"));
        // An overwrite keeps the count: the swap writes.
        Assert.Equal(true, Ok(s.Call($"{V2}.cas-update", "c", "one", B("uno"))));
        Assert.Equal(B("uno"), StoredRecord(s, DbMode.NonTransactional, "jskv2", "c", "one"));
    }

    // ------------------------------------------------------------------ batch

    [Theory, Rule("PDP-KV-7")]
    [MemberData(nameof(Versions))]
    public void Batch_GetMany_OneEntryPerKey_NoneForAbsent(string api)
    {
        var s = NewJsSupervisor();
        Ok(s.Call($"{api}.set-many", "b", Pairs([("a", B("va")), ("b", B("vb")), ("empty", Array.Empty<byte>())])));
        var got = Assert.IsType<List<object?>>(Ok(s.Call($"{api}.get-many", "b", new[] { "b", "missing", "a", "empty", "a" })));
        Assert.Equal(5, got.Count);
        Assert.Equal(new object?[] { "b", B("vb") }, got[0]);
        Assert.Null(got[1]);
        Assert.Equal(new object?[] { "a", B("va") }, got[2]);
        Assert.Equal(new object?[] { "empty", Array.Empty<byte>() }, got[3]);
        Assert.Equal(new object?[] { "a", B("va") }, got[4]);
        Assert.Empty(Assert.IsType<List<object?>>(Ok(s.Call($"{api}.get-many", "b", Array.Empty<string>()))));

        Ok(s.Call($"{api}.delete-many", "b", new[] { "a", "missing" }));
        Assert.Null(Ok(s.Call($"{api}.get", "b", "a")));
        Assert.Equal(B("vb"), Ok(s.Call($"{api}.get", "b", "b")));
        Assert.Equal(B("vb"), StoredRecord(s, DbMode.NonTransactional, ServiceOf(api), "b", "b"));
    }

    [Theory, Rule("PDP-KV-7", "PDP-BATCH-1", "PDP-LIMIT-3", "PDP-KV-8")]
    [MemberData(nameof(Versions))]
    public void Batch_OverTheSizeLimit_IsAnError_AndChangesNothing(string api)
    {
        var s = NewJsSupervisor();
        var keys = Enumerable.Range(0, 1001).Select(i => $"k{i}").ToArray();
        Ok(s.Call($"{api}.set-many", "b", Pairs(keys.Take(1000).Select(k => (k, B(k)))))); // 1000 is allowed
        Ok(s.Call($"{api}.get-many", "b", keys.Take(1000).ToArray()));

        var set = Err(s, $"{api}.set-many", "b", Pairs(keys.Select(k => (k, B("new")))));
        Assert.StartsWith("other: ", set);
        Assert.Contains("1000", set);
        Assert.Equal(B("k0"), Ok(s.Call($"{api}.get", "b", "k0")));
        Assert.Null(Ok(s.Call($"{api}.get", "b", "k1000")));

        Assert.Contains("1000", Err(s, $"{api}.get-many", "b", keys));
        var delete = Err(s, $"{api}.delete-many", "b", keys);
        Assert.StartsWith("other: ", delete);
        Assert.Contains("1000", delete);
        Assert.Equal(B("k999"), Ok(s.Call($"{api}.get", "b", "k999")));
    }

    [Theory, Rule("PDP-KV-7", "PDP-BATCH-1", "PDP-KV-8")]
    [MemberData(nameof(Versions))]
    public void Batch_WithOneBadRecord_WritesNone(string api)
    {
        var s = NewJsSupervisor();
        Ok(s.Call($"{api}.set", "b", "old", B("old")));
        var longKey = Err(s, $"{api}.set-many", "b", Pairs([("ok1", B("1")), (new string('k', 257), B("2")), ("old", B("new"))]));
        Assert.StartsWith("other: ", longKey);
        Assert.Contains("256", longKey);
        var bigValue = Err(s, $"{api}.set-many", "b", Pairs([("ok1", B("1")), ("big", new byte[102401])]));
        Assert.StartsWith("other: ", bigValue);
        Assert.Contains("102400", bigValue);
        Assert.Null(Ok(s.Call($"{api}.get", "b", "ok1")));
        Assert.Null(Ok(s.Call($"{api}.get", "b", "big")));
        Assert.Equal(B("old"), Ok(s.Call($"{api}.get", "b", "old")));

        var delete = Err(s, $"{api}.delete-many", "b", new[] { "old", new string('k', 257) });
        Assert.StartsWith("other: ", delete);
        Assert.Equal(B("old"), Ok(s.Call($"{api}.get", "b", "old")));
    }

    // ------------------------------------------------------------------ errors and limits

    [Theory, Rule("PDP-KV-2", "PDP-KV-8", "PDP-ID-3")]
    [MemberData(nameof(Versions))]
    public void Open_OfAnInvalidIdentifier_IsAnOtherError(string api)
    {
        var s = NewJsSupervisor();
        foreach (var name in new[] { "bad name", "", "a/b", "dot.ted", "ключ", "a:b" })
        {
            var error = Err(s, $"{api}.set", name, "k", B("v"));
            Assert.StartsWith("other: ", error);
            AssertNoHostPaths(error);
        }
        Assert.Contains("^[0-9a-zA-Z_-]+$", Err(s, $"{api}.get", "bad name", "k"));
        Ok(s.Call($"{api}.set", "Good_name-09", "k", B("v"))); // every allowed character
        Assert.Equal(B("v"), Ok(s.Call($"{api}.get", "Good_name-09", "k")));
    }

    [Theory, Rule("PDP-KV-8", "PDP-LIMIT-1", "PDP-LIMIT-2")]
    [MemberData(nameof(Versions))]
    public void KeyAndValueLimits_AreOtherErrors_NamingTheLimit(string api)
    {
        var s = NewJsSupervisor();
        var value = Err(s, $"{api}.set", "b", "big", new byte[102401]);
        Assert.StartsWith("other: ", value);
        Assert.Contains("102401", value);
        Assert.Contains("102400", value);
        Assert.Null(Ok(s.Call($"{api}.get", "b", "big")));

        var key = Err(s, $"{api}.set", "b", new string('k', 257), B("v"));
        Assert.StartsWith("other: ", key);
        Assert.Contains("257", key);
        Assert.Contains("256", key);
        Assert.StartsWith("other: ", Err(s, $"{api}.get", "b", new string('k', 257)));
        Assert.StartsWith("other: ", Err(s, $"{api}.increment", "b", new string('k', 257), Delta(api, 1)));
        var multibyte = new string('é', 129); // 258 bytes of UTF-8
        Assert.Contains("256", Err(s, $"{api}.set", "b", multibyte, B("v")));

        Ok(s.Call($"{api}.set", "b", new string('k', 256), B("v")));
        Assert.Equal(B("v"), Ok(s.Call($"{api}.get", "b", new string('k', 256))));
        AssertNoHostPaths(value);
        AssertNoHostPaths(key);
    }

    [Theory, Rule("PDP-KV-8", "PDP-QUOTA-1")]
    [MemberData(nameof(Versions))]
    public void Quota_IsAnOtherError(string api)
    {
        var s = NewJsSupervisor(o => o.Storage.Limits = new StorageLimits { QuotaItems = 2 });
        Ok(s.Call($"{api}.set", "b", "one", B("1")));
        Ok(s.Call($"{api}.set", "b", "two", B("2")));
        var error = Err(s, $"{api}.set", "b", "three", B("3"));
        Assert.StartsWith("other: ", error);
        Assert.Contains("quota", error);
        AssertNoHostPaths(error);
        Assert.StartsWith("other: ", Err(s, $"{api}.increment", "b", "n", Delta(api, 1)));
        Ok(s.Call($"{api}.set", "b", "two", B("two again"))); // overwriting keeps the count
        Ok(s.Call($"{api}.delete", "b", "one"));
        Ok(s.Call($"{api}.set", "b", "three", B("3")));
    }

    // ------------------------------------------------------------------ handles

    [Theory, Rule("PDP-KV-9", "PDP-KV-8")]
    [MemberData(nameof(Versions))]
    public void OpenBuckets_AreBoundedPerInstance_AndDroppingFreesThem(string api)
    {
        var s = NewJsSupervisor();
        var r = Assert.IsType<object?[]>(s.Call($"{api}.open-many", 300u));
        Assert.Equal(256u, r[0]);
        var error = Assert.IsType<string>(r[1]);
        Assert.StartsWith("other: ", error);
        Assert.Contains("limit", error);
        Assert.Contains("256", error);
        AssertNoHostPaths(error);

        // open-many dropped them all: the next call opens as many again.
        r = Assert.IsType<object?[]>(s.Call($"{api}.open-many", 300u));
        Assert.Equal(256u, r[0]);
        r = Assert.IsType<object?[]>(s.Call($"{api}.open-many", 10u));
        Assert.Equal(10u, r[0]);
        Assert.Null(r[1]);
    }

    [Theory, Rule("PDP-KV-9")]
    [MemberData(nameof(Versions))]
    public void OpenAndDrop_AThousandTimes_Works(string api)
    {
        var s = NewJsSupervisor();
        Assert.Equal(1000u, Ok(s.Call($"{api}.open-drop-loop", 1000u)));
        Assert.Equal(B("999"), Ok(s.Call($"{api}.get", "loop", "n")));
        var r = Assert.IsType<object?[]>(s.Call($"{api}.open-many", 300u));
        Assert.Equal(256u, r[0]); // nothing leaked
    }

    [Fact, Rule("PDP-KV-9")]
    public void MaxOpenBuckets_IsConfigurable()
    {
        var s = NewJsSupervisor(o => o.MaxOpenBuckets = 5);
        foreach (var api in new[] { V1, V2 })
        {
            var r = Assert.IsType<object?[]>(s.Call($"{api}.open-many", 10u));
            Assert.Equal(5u, r[0]);
            Assert.Contains("limit", Assert.IsType<string>(r[1]));
        }
    }
}
