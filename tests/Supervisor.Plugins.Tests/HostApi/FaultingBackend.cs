using Supervisor.Storage;
using Supervisor.Storage.Backends;
using Supervisor.Testing;

using Supervisor.Plugins.Tests.Hosting;

namespace Supervisor.Plugins.Tests.HostApi;

/// <summary>
/// Fault injection: a real in-memory backend that, once <see cref="Faulting"/> is set, fails every record operation
/// the way a broken disk does, with a message that names a host path (which no plugin may ever see).
/// </summary>
internal sealed class FaultingBackend(StorageBackend inner) : DelegatingBackend(inner)
{
    public const string SecretPath = "/home/alice/.local/share/supervisor/default/store.db";

    public bool Faulting { get; set; }

    /// <summary>When set, only the backend operation of this name faults (e.g. <c>CompareAndSwap</c>: a swap after its <c>cas.new</c> read).</summary>
    public string? Only { get; set; }

    /// <summary>When set, a fault is a host bug (an exception that is not a storage error) instead of a storage failure.</summary>
    public bool AsBug { get; set; }

    private void Check([System.Runtime.CompilerServices.CallerMemberName] string operation = "")
    {
        if (!Faulting || (Only is not null && Only != operation)) return;
        if (AsBug) throw new InvalidOperationException($"a host bug while reading {SecretPath}");
        throw new StorageException(StorageErrorCode.BackendFailure, $"disk I/O error reading {SecretPath}");
    }

    public override string TypeName => "faulting";
    public override byte[]? Get(BucketId bucket, string key) { Check(); return base.Get(bucket, key); }
    public override bool Exists(BucketId bucket, string key) { Check(); return base.Exists(bucket, key); }
    public override void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota) { Check(); base.Set(bucket, key, value, quota); }
    public override bool Delete(BucketId bucket, string key) { Check(); return base.Delete(bucket, key); }
    public override IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit) { Check(); return base.ListKeys(bucket, after, limit); }
    public override long Increment(BucketId bucket, string key, long delta, Quota quota) { Check(); return base.Increment(bucket, key, delta, quota); }
    public override bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota) { Check(); return base.CompareAndSwap(bucket, key, expected, value, quota); }
    public override byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys) { Check(); return base.GetMany(bucket, keys); }
    public override void Apply(IReadOnlyList<Write> writes, Quota quota) { Check(); base.Apply(writes, quota); }
    public override UsageEntry GetOwnerUsage(string chain, string owner) { Check(); return base.GetOwnerUsage(chain, owner); }

    /// <summary>Faults only when <see cref="Only"/> names it: the other faults must reach a running plugin.</summary>
    public override TurnLock? LockTurn(string chain, string owner, DateTime deadline, CancellationToken cancellation)
    {
        if (Only == nameof(LockTurn)) Check();
        return base.LockTurn(chain, owner, deadline, cancellation);
    }
}
