namespace Supervisor.Storage;

/// <summary>
/// How operations on one owner's records run, as recorded in the store (PDP-TURN-8): every process sharing the store
/// must agree, or one taking turns and one not would void the guarantee of turns.
/// </summary>
public enum TurnMode
{
    /// <summary>One operation at a time takes the owner's turn (the default, PDP-TURN-1).</summary>
    Serialized,

    /// <summary>The owner's plugin handles concurrency itself; its operations take no turn (PDP-TURN-5).</summary>
    Concurrent,
}
