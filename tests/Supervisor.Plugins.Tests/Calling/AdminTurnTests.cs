using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Storage;
using Supervisor.Storage.Sync;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Calling;

/// <summary>Administrative writes wait for the turn of the records' owner (PDP-TURN-7): clear, import and record writes.</summary>
public sealed class AdminTurnTests : PluginTestBase
{
    private const string Alpha = "walpha:plugin/api";

    /// <summary>Runs <paramref name="admin"/> while an operation holds walpha's turn: it must wait until the operation ends.</summary>
    private void WaitsForTheOperation(PluginSupervisor s, Action admin)
    {
        using var op = s.BeginOperation();
        op.Call($"{Alpha}.set", "k", B("by the plugin"));
        var task = Task.Run(admin);
        // Not a timing assertion: the admin write must still be waiting (it has 30 s) while the turn is held.
        Thread.Sleep(500);
        Assert.False(task.IsCompleted, "the administrative write did not wait for the plugin's turn");
        op.Complete();
        Assert.True(task.Wait(TimeSpan.FromMinutes(1)), "the administrative write did not go on after the turn was released");
    }

    [Fact, Rule("PDP-TURN-7")]
    public void Clear_WaitsForThePluginsOperation()
    {
        var s = NewSupervisor();
        WaitsForTheOperation(s, () => s.Store.Clear("test", "walpha"));
        Assert.Null(ClientDataRecord(s, "walpha", "k"));
    }

    [Fact, Rule("PDP-TURN-7")]
    public void ClearOfAWholeChain_WaitsForThePluginsOperation()
    {
        var s = NewSupervisor();
        s.Call($"{Alpha}.set", "before", B("x"));
        WaitsForTheOperation(s, () => s.Store.Clear("test"));
        Assert.Null(ClientDataRecord(s, "walpha", "k"));
    }

    [Fact, Rule("PDP-TURN-7")]
    public void Import_WaitsForThePluginsOperation_ThenWritesOverIt()
    {
        var s = NewSupervisor();
        s.Call($"{Alpha}.set", "k", B("imported"));
        var archive = new MemoryStream();
        StorageArchive.Export(s.Store, archive, "test", "walpha");
        WaitsForTheOperation(s, () => StorageArchive.Import(s.Store, new MemoryStream(archive.ToArray())));
        Assert.Equal(B("imported"), ClientDataRecord(s, "walpha", "k"));
    }

    [Fact, Rule("PDP-TURN-7")]
    public void AnAdminWrite_ThatWaitsPastItsLimit_FailsAndWritesNothing()
    {
        var s = NewSupervisor();
        using var op = s.BeginOperation();
        op.Call($"{Alpha}.set", "k", B("held"));
        using var holder = s.Store.NewTurnHolder("test holder", TimeSpan.FromMinutes(1));
        // A short deadline of its own shows the refusal without waiting the admin limit out.
        var e = Assert.Throws<StorageException>(() => holder.Enter("test", "walpha", DateTime.UtcNow.AddMilliseconds(200)));
        Assert.Equal(StorageErrorCode.DeadlinePassed, e.Code);
        Assert.Contains("walpha", e.Message);
    }
}
