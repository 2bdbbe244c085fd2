using System.Text.Json.Nodes;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>The turn mode recorded in the store (PDP-TURN-8) through the CLI: a disagreeing call is refused, <c>storage turn-mode</c> shows and changes it.</summary>
public sealed class TurnModeCliTests : IDisposable
{
    private readonly CliSandbox _box = new();

    /// <inheritdoc />
    public void Dispose() => _box.Dispose();

    [Fact, Rule("PDP-TURN-8", "PDP-CLI-3", "PDP-CLI-26")]
    public void ACallDisagreeingWithTheRecordedMode_ExitsTwo_UntilTurnModeRecordsTheNewOne()
    {
        CliSandbox.Ok(_box.Run("call", "walpha:plugin/api.ping"));
        Assert.Equal("the turn mode of walpha on chain local: serialized", CliSandbox.Ok(_box.Run("storage", "turn-mode", "walpha")).Out.Trim());

        var refused = _box.Run("call", "walpha:plugin/api.ping", "--concurrent-plugin", "walpha");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("\"walpha\" takes turns", refused.Err);
        Assert.Contains("supervisor storage turn-mode walpha concurrent", refused.Err);

        Assert.Equal("recorded the turn mode of walpha on chain local: concurrent",
            CliSandbox.Ok(_box.Run("storage", "turn-mode", "walpha", "concurrent")).Out.Trim());
        CliSandbox.Ok(_box.Run("call", "walpha:plugin/api.ping", "--concurrent-plugin", "walpha"));
        Assert.Equal(2, _box.Run("call", "walpha:plugin/api.ping").ExitCode);

        var forgot = JsonNode.Parse(CliSandbox.Ok(_box.Run("storage", "turn-mode", "walpha", "forget", "--json")).Out)!;
        Assert.Equal("local", (string?)forgot["chain"]);
        Assert.Null(forgot["mode"]);
        CliSandbox.Ok(_box.Run("call", "walpha:plugin/api.ping"));
    }

    [Theory, Rule("PDP-TURN-8", "PDP-CLI-26")]
    [InlineData("Bad Name", null, "SERVICE")]
    [InlineData("walpha", "sometimes", "sometimes")]
    public void TurnMode_WithABadServiceOrMode_ExitsTwo_NamingIt(string service, string? mode, string named)
    {
        string[] args = mode is null ? ["storage", "turn-mode", service] : ["storage", "turn-mode", service, mode];
        var r = _box.Run(args);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.Err);
    }
}
