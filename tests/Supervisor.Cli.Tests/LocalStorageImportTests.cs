using static Supervisor.Cli.Tests.CliSandbox;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>
/// <c>supervisor storage import</c> of a psibase LocalStorage dump whose format is found from its content (no
/// <c>--format</c>), from a file and from standard input, under each conflict policy (PDP-SYNC-3): the path where the
/// import tells the dump from a JSON Lines archive, which <c>StorageCommandTests</c> (explicit format) does not take.
/// </summary>
public sealed class LocalStorageImportTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    private CliResult On(string store, string? input, params string[] args) => _box.RunOn(store, input, args);

    private void Set(string store, params (string Key, string Value)[] records) => _box.SetWalpha(store, records);

    private string Get(string store, string key) => Ok(On(store, null, "call", "walpha:plugin/api.get", $"\"{key}\"")).Out.Trim();

    private static string B64(string text) => $"\"{Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text))}\"";

    /// <summary>A dump of a store holding a and b ("archive"), and a target store already holding a ("target").</summary>
    private (string Dump, string Target) Prepare()
    {
        Set(_box.Store, ("a", "archive"), ("b", "archive"));
        var dump = _box.File("dump.json");
        Ok(On(_box.Store, null, "storage", "export", "--format", "localstorage", "--out", dump));
        Assert.StartsWith("{", File.ReadAllText(dump).TrimStart());
        var target = _box.File($"target-{Guid.NewGuid():n}.db");
        Set(target, ("a", "target"));
        return (dump, target);
    }

    private CliResult Import(string target, string dump, bool fromStdin, params string[] policy) => fromStdin
        ? On(target, File.ReadAllText(dump), ["storage", "import", "-", .. policy])
        : On(target, null, ["storage", "import", dump, .. policy]);

    [Theory, Rule("PDP-SYNC-3", "PDP-SYNC-6", "PDP-CLI-12")]
    [InlineData(false)]
    [InlineData(true)]
    public void ImportOfADetectedLocalStorageDump_UnderFail_RefusesAndWritesNothing(bool fromStdin)
    {
        var (dump, target) = Prepare();

        var r = Import(target, dump, fromStdin, "--on-conflict", "fail");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("already exists (policy fail); nothing was imported", r.Err);
        Assert.Equal(B64("target"), Get(target, "a"));
        Assert.Equal("null", Get(target, "b"));
    }

    [Theory, Rule("PDP-SYNC-3", "PDP-SYNC-6", "PDP-CLI-12")]
    [InlineData(false)]
    [InlineData(true)]
    public void ImportOfADetectedLocalStorageDump_UnderSkip_KeepsTheExistingRecord(bool fromStdin)
    {
        var (dump, target) = Prepare();

        var r = Ok(Import(target, dump, fromStdin, "--on-conflict", "skip"));

        Assert.Equal("imported 1 record, skipped 1", r.Out.Trim());
        Assert.Equal(B64("target"), Get(target, "a"));
        Assert.Equal(B64("archive"), Get(target, "b"));
    }

    [Theory, Rule("PDP-SYNC-3", "PDP-SYNC-6", "PDP-CLI-12")]
    [InlineData(false)]
    [InlineData(true)]
    public void ImportOfADetectedLocalStorageDump_UnderOverwrite_ReplacesTheExistingRecord(bool fromStdin)
    {
        var (dump, target) = Prepare();

        var r = Ok(Import(target, dump, fromStdin, "--on-conflict", "overwrite"));

        Assert.Equal("imported 2 records, skipped 0", r.Out.Trim());
        Assert.Equal(B64("archive"), Get(target, "a"));
        Assert.Equal(B64("archive"), Get(target, "b"));
    }

    [Theory, Rule("PDP-SYNC-3", "PDP-SYNC-6", "PDP-CLI-12")]
    [InlineData(false)]
    [InlineData(true)]
    public void ImportOfADetectedLocalStorageDump_WithoutAPolicy_FailsAsTheDefault(bool fromStdin)
    {
        var (dump, target) = Prepare();

        var r = Import(target, dump, fromStdin);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("already exists (policy fail)", r.Err);
        Assert.Equal(B64("target"), Get(target, "a"));
        Assert.Equal("null", Get(target, "b"));
    }
}
