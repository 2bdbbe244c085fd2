using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>One frame of the call stack: the plugin running and what was called; <paramref name="Instantiating"/> while its instance is being made.</summary>
internal readonly record struct Frame(string Service, CallTarget Target, bool Instantiating = false);

/// <summary>
/// The state of one operation's calls on one thread: the app that made the outermost call, the
/// call stack, the storage operation and the deadline. Identity questions are answered from here
/// and from the store a host function runs in, never from anything a plugin passes.
/// </summary>
internal sealed class CallContext
{
    [ThreadStatic]
    private static CallContext? t_current;

    public CallContext(string app, Operation operation, DateTime deadline)
    {
        App = app;
        Operation = operation;
        Deadline = deadline;
    }

    /// <summary>The context of the call running on this thread, if any.</summary>
    public static CallContext? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>The app that made the outermost call (the active app).</summary>
    public string App { get; }

    public Operation Operation { get; }

    /// <summary>When the outermost call must end (UTC).</summary>
    public DateTime Deadline { get; set; }

    public List<Frame> Frames { get; } = new();

    /// <summary>The first host-side failure inside a nested call, reported instead of the trap it caused.</summary>
    public PluginException? Fault { get; set; }

    /// <summary>The first exception a host function threw in this call; it explains the trap that follows.</summary>
    public Exception? HostError { get; set; }

    /// <summary>The caller of the running plugin: the app for an outermost call, else the calling plugin.</summary>
    public string Sender => Frames.Count >= 2 ? Frames[^2].Service : App;

    /// <summary>The plugin on top of the stack while its instance is being made (its start code runs), else null.</summary>
    public string? Instantiating => Frames.Count > 0 && Frames[^1].Instantiating ? Frames[^1].Service : null;

    /// <summary>The running plugin.</summary>
    public string Receiver => Frames.Count > 0 ? Frames[^1].Service : App;
}
