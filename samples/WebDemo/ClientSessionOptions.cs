namespace WebDemo;

/// <summary>Bounds on client sessions (configuration section <c>Sessions</c>).</summary>
internal sealed class ClientSessionOptions
{
    /// <summary>Sessions kept at most; past it, the one used longest ago ends.</summary>
    public int MaxSessions { get; set; } = 10_000;

    /// <summary>A session unused this long ends (its session data goes with it).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(20);
}
