using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// What a host function may know of the call it runs in: who called, which plugin runs, the operation its reads and
/// writes belong to. The calling stage keeps the stack behind it and sets <see cref="Current"/> for the thread that
/// runs a call; nothing here comes from what a plugin passes.
/// </summary>
internal abstract class CallState
{
    [ThreadStatic]
    private static CallState? t_current;

    /// <summary>The call running on this thread, if any.</summary>
    public static CallState? Current
    {
        get => t_current;
        set => t_current = value;
    }

    /// <summary>The app that made the outermost call (the active app).</summary>
    public abstract string App { get; }

    /// <summary>The caller of the running plugin: the app for an outermost call, else the calling plugin.</summary>
    public abstract string Sender { get; }

    /// <summary>The running plugin.</summary>
    public abstract string Receiver { get; }

    /// <summary>The plugin on top of the stack while its instance is being made (its start code runs), else null.</summary>
    public abstract string? Instantiating { get; }

    /// <summary>The storage operation the call's reads and writes belong to.</summary>
    public abstract Operation Operation { get; }

    /// <summary>The first host-side failure inside a nested call, reported instead of the trap it caused.</summary>
    public PluginException? Fault { get; set; }

    /// <summary>The first exception a host function threw in this call; it explains the trap that follows.</summary>
    public Exception? HostError { get; set; }
}
