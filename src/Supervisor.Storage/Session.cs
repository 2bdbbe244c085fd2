using Supervisor.Storage.Backends.Memory;

namespace Supervisor.Storage;

internal sealed class Session : StorageSession
{
    private int _disposed;

    public Session(Store store)
    {
        Store = store;
        Memory = new MemoryBackend();
    }

    public Store Store { get; }

    public MemoryBackend Memory { get; }

    public override Operation BeginOperation()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return new StoreOperation(this);
    }

    public override void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Memory.Dispose();
    }
}
