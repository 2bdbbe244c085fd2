namespace Supervisor.Storage.Backends.Sqlite;

/// <summary>When an acknowledged SQLite write is safe.</summary>
public enum SqliteDurability
{
    /// <summary>WAL with <c>synchronous=NORMAL</c>: survives a killed process (the default).</summary>
    Process,
    /// <summary>WAL with <c>synchronous=FULL</c>: survives power loss, at the cost of an fsync per commit.</summary>
    Power,
}
