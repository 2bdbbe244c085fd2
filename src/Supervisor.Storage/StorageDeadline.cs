namespace Supervisor.Storage;

/// <summary>
/// When the current thread's storage work must end: a plugin call's deadline, set by the host that runs it. A wait for
/// the store (SQLite's wait for another writer's lock) ends there instead of at the backend's own timeout, and fails
/// with <see cref="StorageErrorCode.DeadlinePassed"/>; so no store wait outlasts a call's time limit.
/// </summary>
public static class StorageDeadline
{
    [ThreadStatic]
    private static long t_ticks;

    /// <summary>The deadline (UTC) of this thread's work, or null when it has none.</summary>
    public static DateTime? Current
    {
        get => t_ticks == 0 ? null : new DateTime(t_ticks, DateTimeKind.Utc);
        set => t_ticks = value?.ToUniversalTime().Ticks ?? 0;
    }

    /// <summary>True when this thread has a deadline and it has passed, or is within the 250 ms a bounded wait may stop short of it.</summary>
    public static bool HasPassed => t_ticks != 0 && DateTime.UtcNow.Ticks >= t_ticks - TimeSpan.TicksPerMillisecond * 250;

    /// <summary>How long a wait may last: <paramref name="limit"/>, or less when this thread's deadline comes sooner.</summary>
    public static TimeSpan Bound(TimeSpan limit)
    {
        if (t_ticks == 0) return limit;
        var left = new DateTime(t_ticks, DateTimeKind.Utc) - DateTime.UtcNow;
        return left <= TimeSpan.Zero ? TimeSpan.Zero : left < limit ? left : limit;
    }
}
