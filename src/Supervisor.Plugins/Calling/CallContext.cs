using Supervisor.Plugins.HostApi;
using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>One frame of the call stack: the plugin running and what was called; <paramref name="Instantiating"/> while its instance is being made.</summary>
internal readonly record struct Frame(string Service, CallTarget Target, bool Instantiating = false);

/// <summary>
/// The state of one operation's calls: the app that made the outermost call, the call stack, the storage operation
/// and the deadline. Identity questions are answered from here and from the store a host function runs in, never from
/// anything a plugin passes.
/// </summary>
internal sealed class CallContext(string app, Operation operation, TurnHolder turns) : CallState
{
    public override string App { get; } = app;

    /// <summary>The turns of the plugins this operation entered, held until it ends.</summary>
    public TurnHolder Turns { get; } = turns;

    public override Operation Operation { get; } = operation;

    /// <summary>When the outermost call must end (UTC).</summary>
    public DateTime Deadline { get; set; }

    /// <summary>The app's cancellation of the running call: it stops the plugin at its next epoch deadline and ends waits.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>The gate of the supervisor running the call: closed, every running plugin is stopped.</summary>
    public CallGate? Gate { get; set; }

    public List<Frame> Frames { get; } = new();

    public override string Sender => Frames.Count >= 2 ? Frames[^2].Service : App;

    public override string? Instantiating => Frames.Count > 0 && Frames[^1].Instantiating ? Frames[^1].Service : null;

    public override string Receiver => Frames.Count > 0 ? Frames[^1].Service : App;

    /// <summary>The stack as <c>a -> b -> next</c>, for errors.</summary>
    public string StackWith(string next) => string.Join(" -> ", Frames.Select(f => f.Service).Append(next));
}
