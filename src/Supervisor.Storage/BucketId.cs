namespace Supervisor.Storage;

/// <summary>
/// Where a bucket's records live, as structured parts: chain, mode, service, bucket.
/// Durations are not part of it: each duration has its own backend.
/// </summary>
public readonly record struct BucketId
{
    /// <summary>Creates a validated bucket id.</summary>
    /// <exception cref="StorageException">A part is invalid.</exception>
    public BucketId(string chain, DbMode mode, string service, string bucket)
    {
        Names.ValidateChain(chain);
        Names.ValidateService(service);
        Names.ValidateBucket(bucket);
        if (mode is not (DbMode.NonTransactional or DbMode.Transactional))
            throw new StorageException(StorageErrorCode.InvalidArgument, $"mode {(int)mode} is not a db-mode");
        Chain = chain;
        Mode = mode;
        Service = service;
        Bucket = bucket;
    }

    /// <summary>The chain id that separates networks.</summary>
    public string Chain { get; }

    /// <summary>Transactional or not.</summary>
    public DbMode Mode { get; }

    /// <summary>The service (plugin) the records belong to.</summary>
    public string Service { get; }

    /// <summary>The bucket name within the service.</summary>
    public string Bucket { get; }

    /// <summary>
    /// The service charged for these records: the bucket's caller for records that
    /// <c>clientdata</c> keeps on its callers' behalf, else the service itself.
    /// </summary>
    public string Owner => Service == Names.ClientData && Names.IsValidService(Bucket) ? Bucket : Service;

    /// <summary>The bucket as psibase renders the prefix of its LocalStorage keys.</summary>
    public override string ToString() => $"{Chain}:{(Mode == DbMode.Transactional ? "trx" : "non-trx")}:{Service}:{Bucket}";
}
