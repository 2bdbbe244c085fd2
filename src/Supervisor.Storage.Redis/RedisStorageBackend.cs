using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Supervisor.Storage.Backends;

namespace Supervisor.Storage.Redis;

/// <summary>
/// Records in Redis, shared by any number of processes and machines.
/// </summary>
/// <remarks>
/// <para>Keys (P = the location's prefix). Everything charged to one (chain, owner) is one
/// <i>group</i> under the hash tag <c>{chain|owner}</c>, so one Lua script can check the owner's
/// quota and write any of its buckets on one slot, also in Redis Cluster:</para>
/// <list type="bullet">
/// <item><c>P:{chain|owner}:u</c> hash <c>items</c>, <c>bytes</c>: the owner's usage (quota checks read it).</item>
/// <item><c>P:{chain|owner}:bi</c>, <c>:bb</c> hashes part -&gt; items, bytes per bucket, where part is <c>n|t:service:bucket</c>.</item>
/// <item><c>P:{chain|owner}:d:part</c> hash key -&gt; value; <c>P:{chain|owner}:z:part</c> sorted set of keys, score 0, so
/// <c>ZRANGEBYLEX</c> lists in UTF-8 byte order and a cursor resumes after the last key returned.</item>
/// <item><c>P:chains</c> set of chains, <c>P:owners:chain</c> set of owners: the index that listing, scan and clear walk
/// across slots. An entry is added (idempotently) before a process first writes a group and is never removed,
/// so every group that holds data is indexed; empty groups are skipped when listing.</item>
/// </list>
/// <para>Writes go through one script (<see cref="Scripts.Apply"/>, run with EVALSHA by StackExchange.Redis),
/// increments are an optimistic compare-and-swap loop so counters keep the exact 64-bit semantics of
/// <see cref="Keys.ParseCounter"/>. A batch spanning several groups is one script call on a standalone
/// server. In a cluster a batch whose groups sit in several slots is checked slot by slot first and then
/// applied slot by slot: each slot's part is atomic, the whole is not (a crash or a concurrent writer
/// between the slots can leave part of it applied).</para>
/// <para>Turns (<see cref="LockTurn"/>): a lease <c>P:{chain|owner}:lease</c> holding the holder's id with a time to
/// live, and a counter <c>P:{chain|owner}:fence</c> bumped at each take, whose value is the take's fencing token. Both
/// sit in the group's slot, so every write script of the group also checks the token of the lease this object holds
/// for it, if any, and refuses the write once a newer holder drew a greater one.</para>
/// </remarks>
internal sealed class RedisStorageBackend : StorageBackend
{
    private const int PageSize = 500;

    private readonly RedisLocation _location;
    private readonly ConnectionMultiplexer _mux;
    private readonly IDatabase _db;
    private readonly bool _cluster;
    private readonly ConcurrentDictionary<(string Chain, string Owner), bool> _indexed = new();
    private readonly ConcurrentDictionary<(string Chain, string Owner), RedisTurnLease> _leases = new();
    private readonly ILogger _logger;

    public RedisStorageBackend(RedisLocation location, ILogger logger)
    {
        _location = location;
        _logger = logger;
        var config = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            AllowAdmin = true, // CONFIG GET for the durability check
            ConnectTimeout = location.TimeoutMs,
            SyncTimeout = location.TimeoutMs,
            AsyncTimeout = location.TimeoutMs,
            DefaultDatabase = location.Database,
            User = location.User,
            Password = location.Password,
            Ssl = location.Tls,
            ClientName = "supervisor",
        };
        config.EndPoints.Add(location.Host, location.Port);
        try
        {
            _mux = ConnectionMultiplexer.Connect(config);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or IOException)
        {
            throw new StorageException(StorageErrorCode.BackendFailure, $"cannot connect to the Redis store at {location.Endpoint}: {Why(e, location)}");
        }
        try
        {
            var servers = _mux.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
            if (servers.Count == 0)
                throw new StorageException(StorageErrorCode.BackendFailure, $"cannot connect to the Redis store at {location.Endpoint}: no primary server answered");
            _cluster = servers.Any(s => s.ServerType == ServerType.Cluster);
            if (_cluster && location.Database != 0)
                throw new StorageException(StorageErrorCode.InvalidArgument, $"the Redis store at {location.Endpoint} is a cluster, which only has database 0");
            if (!_cluster && servers[0].DatabaseCount is var databases and > 0 && location.Database >= databases)
                throw new StorageException(StorageErrorCode.InvalidArgument,
                    $"the Redis server at {location.Endpoint} has databases 0 to {databases - 1} (its \"databases\" setting), so there is no database {location.Database}: name one of those in the URI (redis://host:port/N)");
            CheckDurability(servers, logger);
            _db = _mux.GetDatabase(location.Database);
        }
        catch
        {
            _mux.Dispose();
            throw;
        }
    }

    /// <summary>Why a connection failed, in plain words and with what to check (not the driver's advice about its own settings).</summary>
    private string Why(Exception e, RedisLocation location) => e is RedisConnectionException c ? c.FailureType switch
    {
        ConnectionFailureType.AuthenticationFailure =>
            "the server refused the user or password; check the ones in the URI (redis://user:password@host:port/db)",
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection or ConnectionFailureType.SocketFailure =>
            $"no Redis server answered within {location.TimeoutMs} ms; check that redis-server runs there, that the host and port are right, " +
            "and that no firewall is in the way (a slower server: add ?timeout=MILLISECONDS to the URI)",
        _ => $"{c.FailureType}: {Scrub(FirstSentence(c.Message))}",
    } : Scrub(FirstSentence(e.Message));

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        var first = end < 0 ? message : message[..(end + 1)];
        // The driver's advice is about its own settings, which the user cannot reach through the URI: never pass it on.
        return first.Contains("abortConnect", StringComparison.OrdinalIgnoreCase) || first.Contains("AbortOnConnectFail", StringComparison.Ordinal)
            ? "the connection failed; check that redis-server runs at the host and port of the URI"
            : first;
    }

    public override string TypeName => RedisBackend.TypeName;

    public override bool IsPersistent => true;

    /// <summary>True when the server is a Redis Cluster.</summary>
    internal bool IsCluster => _cluster;

    private void CheckDurability(List<IServer> servers, ILogger logger)
    {
        foreach (var server in servers)
        {
            string appendOnly, appendFsync;
            try
            {
                appendOnly = ConfigValue(server, "appendonly");
                appendFsync = ConfigValue(server, "appendfsync");
            }
            catch (RedisException e)
            {
                if (_location.RelaxedDurability)
                {
                    logger.LogWarning("Redis store {Store}: its persistence settings cannot be read ({Reason}); durability=relaxed accepts that acknowledged writes may be lost",
                        _location.ToString(), Scrub(e.Message));
                    continue;
                }
                throw new StorageException(StorageErrorCode.BackendFailure,
                    $"cannot read the persistence settings of the Redis server at {server.EndPoint} (CONFIG GET appendonly, appendfsync: {Scrub(e.Message)}); " +
                    "add durability=relaxed to the store location to accept a server whose durability is unknown");
            }
            string? problem = null;
            if (!appendOnly.Equals("yes", StringComparison.OrdinalIgnoreCase))
                problem = $"appendonly is \"{appendOnly}\" (it must be \"yes\")";
            else if (!appendFsync.Equals("always", StringComparison.OrdinalIgnoreCase))
                problem = $"appendfsync is \"{appendFsync}\" (it must be \"always\")";
            if (problem is null) continue;
            if (!_location.RelaxedDurability)
                throw new StorageException(StorageErrorCode.BackendFailure,
                    $"the Redis server at {server.EndPoint} could lose acknowledged writes: {problem}. " +
                    "Configure \"appendonly yes\" and \"appendfsync always\", or add durability=relaxed to the store location to accept weaker durability");
            logger.LogWarning("Redis store {Store}: {Problem} on {Server}; durability=relaxed accepts that acknowledged writes may be lost in a crash",
                _location.ToString(), problem, server.EndPoint?.ToString());
        }
    }

    private static string ConfigValue(IServer server, string name)
    {
        var pairs = server.ConfigGet(name);
        foreach (var p in pairs)
            if (p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return "";
    }

    /// <summary>Removes the password from a message, in case a client library echoes it.</summary>
    private string Scrub(string message) =>
        string.IsNullOrEmpty(_location?.Password) ? message : message.Replace(_location.Password, "***", StringComparison.Ordinal);

    // ---- key names ----

    private string Group(string chain, string owner) => $"{_location.Prefix}:{{{chain}|{owner}}}";

    private static string Part(BucketId b) => $"{(b.Mode == DbMode.Transactional ? 't' : 'n')}:{b.Service}:{b.Bucket}";

    private RedisKey DataKey(BucketId b) => $"{Group(b.Chain, b.Owner)}:d:{Part(b)}";

    private RedisKey SetKey(BucketId b) => $"{Group(b.Chain, b.Owner)}:z:{Part(b)}";

    private RedisKey ChainsKey => $"{_location.Prefix}:chains";

    private RedisKey OwnersKey(string chain) => $"{_location.Prefix}:owners:{chain}";

    private RedisKey LeaseKey(string chain, string owner) => $"{Group(chain, owner)}:lease";

    private RedisKey FenceKey(string chain, string owner) => $"{Group(chain, owner)}:fence";

    /// <summary>The fencing token of the lease this object holds for the group, or 0 (no lease: the write is not checked).</summary>
    private long Token(string chain, string owner) => _leases.TryGetValue((chain, owner), out var lease) ? lease.FencingToken : 0;

    private StorageException Fenced(string chain, string owner, long fence) => new(StorageErrorCode.OperationEnded,
        $"the turn of \"{owner}\" on chain \"{chain}\" was lost: its lease on the Redis store at {_location.Endpoint} ran out " +
        $"(after {_location.LeaseMs} ms unrenewed, e.g. while the process was paused) and another process took the turn " +
        $"(fencing token {fence}, this one's {Token(chain, owner)}); nothing was written");

    // ---- turns ----

    /// <summary>The server(s), database and prefix: stores on the same Redis data share one turn table.</summary>
    public override string TurnScope => _location.ToString();

    public override TurnLock LockTurn(string chain, string owner, DateTime deadline, CancellationToken cancellation)
    {
        ThrowIfDisposed();
        RedisKey[] keys = [LeaseKey(chain, owner), FenceKey(chain, owner)];
        var holder = Guid.NewGuid().ToString("N");
        RedisValue[] args = [holder, _location.LeaseMs];
        var pause = 1;
        while (true)
        {
            var token = (long)Run(() => _db.ScriptEvaluate(Scripts.TakeLease, keys, args));
            if (token > 0)
            {
                var lease = new RedisTurnLease(this, chain, owner, holder, token, _location.LeaseMs);
                _leases[(chain, owner)] = lease;
                return lease;
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new StorageException(StorageErrorCode.DeadlinePassed,
                    $"waited until the time limit for the turn of \"{owner}\" on chain \"{chain}\", which another process holds " +
                    $"(its lease on the Redis store at {_location.Endpoint} lasts up to {_location.LeaseMs} ms past that process's last renewal)");
            cancellation.ThrowIfCancellationRequested();
            // Short pauses first (most turns last one call), doubling to 50 ms so a long hold costs few round trips.
            cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(pause, Math.Max(1, left.TotalMilliseconds))));
            pause = Math.Min(pause * 2, 50);
        }
    }

    /// <summary>Extends <paramref name="lease"/> if still its holder's; false when it was lost. Never throws (a timer runs it).</summary>
    internal bool RenewLease(RedisTurnLease lease)
    {
        try
        {
            var renewed = (long)_db.ScriptEvaluate(Scripts.RenewLease, [LeaseKey(lease.Chain, lease.Owner)], [lease.Holder, _location.LeaseMs]) == 1;
            // A renewal racing the release finds no lease either; only a lease still held was lost.
            if (!renewed && _leases.TryGetValue((lease.Chain, lease.Owner), out var current) && current == lease)
                _logger.LogWarning("Redis store {Store}: the lease of the turn of {Owner} on chain {Chain} ran out before it was renewed; its writes are refused once another process takes the turn",
                    _location.ToString(), lease.Owner, lease.Chain);
            return renewed;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // A connection hiccup: the next tick tries again, within the lease if the server comes back in time.
            return true;
        }
    }

    /// <summary>Stops fencing writes with <paramref name="lease"/>'s token and has its key deleted if still its holder's.</summary>
    internal void ReleaseLease(RedisTurnLease lease)
    {
        _leases.TryRemove(KeyValuePair.Create((lease.Chain, lease.Owner), lease));
        try
        {
            // Not waited for: the operation has ended, and this connection sends it before any later take of ours; a
            // release that never arrives costs the next process at most one lease length.
            _db.ScriptEvaluate(Scripts.ReleaseLease, [LeaseKey(lease.Chain, lease.Owner)], [lease.Holder], CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            // Unreachable: the lease runs out by itself.
        }
    }

    // ---- reads ----

    public override byte[]? Get(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        var v = Run(() => _db.HashGet(DataKey(bucket), key));
        return v.IsNull ? null : (byte[])v!;
    }

    public override bool Exists(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        return Run(() => _db.HashExists(DataKey(bucket), key));
    }

    public override IReadOnlyList<string> ListKeys(BucketId bucket, string? after, int limit)
    {
        ThrowIfDisposed();
        var values = Run(() => after is null
            ? _db.SortedSetRangeByValue(SetKey(bucket), default, default, Exclude.None, Order.Ascending, 0, limit)
            : _db.SortedSetRangeByValue(SetKey(bucket), after, default, Exclude.Start, Order.Ascending, 0, limit));
        var keys = new string[values.Length];
        for (var i = 0; i < values.Length; i++) keys[i] = values[i]!;
        return keys;
    }

    public override byte[]?[] GetMany(BucketId bucket, IReadOnlyList<string> keys)
    {
        ThrowIfDisposed();
        var result = new byte[]?[keys.Count];
        if (keys.Count == 0) return result;
        var fields = new RedisValue[keys.Count];
        for (var i = 0; i < fields.Length; i++) fields[i] = keys[i];
        var values = Run(() => _db.HashGet(DataKey(bucket), fields));
        for (var i = 0; i < values.Length; i++) result[i] = values[i].IsNull ? null : (byte[])values[i]!;
        return result;
    }

    // ---- writes ----

    public override void Set(BucketId bucket, string key, ReadOnlySpan<byte> value, Quota quota)
    {
        ThrowIfDisposed();
        Execute([new Op(bucket, 's', key, value.ToArray(), null)], quota);
    }

    public override bool Delete(BucketId bucket, string key)
    {
        ThrowIfDisposed();
        return Execute([new Op(bucket, 'd', key, null, null)], Quota.Unlimited) > 0;
    }

    public override bool CompareAndSwap(BucketId bucket, string key, byte[]? expected, ReadOnlySpan<byte> value, Quota quota)
    {
        ThrowIfDisposed();
        return Execute([new Op(bucket, expected is null ? 'a' : 'c', key, value.ToArray(), expected)], quota) >= 0;
    }

    public override long Increment(BucketId bucket, string key, long delta, Quota quota)
    {
        ThrowIfDisposed();
        // Optimistic: read, compute with the shared counter rules, swap if unchanged; a failed
        // swap means another writer succeeded, so the loop always makes progress overall.
        while (true)
        {
            var current = Get(bucket, key);
            var next = Keys.AddCounter(current is null ? 0 : Keys.ParseCounter(current, key), delta, key);
            var op = new Op(bucket, current is null ? 'a' : 'c', key, Keys.FormatCounter(next), current);
            if (Execute([op], quota) >= 0) return next;
        }
    }

    public override void Apply(IReadOnlyList<Write> writes, Quota quota)
    {
        ThrowIfDisposed();
        if (writes.Count == 0) return;
        var ops = new Op[writes.Count];
        for (var i = 0; i < ops.Length; i++)
            ops[i] = new Op(writes[i].Bucket, writes[i].Value is null ? 'd' : 's', writes[i].Key, writes[i].Value, null);
        Execute(ops, quota);
    }

    private readonly record struct Op(BucketId Bucket, char Kind, string Key, byte[]? Value, byte[]? Expected);

    /// <summary>Runs <paramref name="ops"/> atomically per slot; returns deletions, or -1 when a swap did not match.</summary>
    private long Execute(IReadOnlyList<Op> ops, Quota quota)
    {
        EnsureIndexed(ops);
        if (!_cluster) return RunScript(ops, quota, check: false);
        var bySlot = ops.GroupBy(o => _mux.HashSlot(Group(o.Bucket.Chain, o.Bucket.Owner))).ToList();
        if (bySlot.Count == 1) return RunScript(ops, quota, check: false);
        // Several slots: no single script can span them. Check every slot's quota and fencing tokens first, then
        // apply slot by slot (each part atomic; see the class remarks).
        if (!quota.IsUnlimited || ops.Any(o => Token(o.Bucket.Chain, o.Bucket.Owner) > 0))
            foreach (var slot in bySlot) RunScript(slot.ToList(), quota, check: true);
        long deleted = 0;
        foreach (var slot in bySlot) deleted += RunScript(slot.ToList(), quota, check: false);
        return deleted;
    }

    private long RunScript(IReadOnlyList<Op> ops, Quota quota, bool check)
    {
        var groups = new List<(string Chain, string Owner)>();
        var buckets = new List<BucketId>();
        var bucketIndex = new Dictionary<BucketId, int>();
        var groupIndex = new Dictionary<(string, string), int>();
        foreach (var op in ops)
        {
            if (bucketIndex.ContainsKey(op.Bucket)) continue;
            var g = (op.Bucket.Chain, op.Bucket.Owner);
            if (!groupIndex.ContainsKey(g))
            {
                groupIndex[g] = groups.Count + 1;
                groups.Add(g);
            }
            bucketIndex[op.Bucket] = buckets.Count + 1;
            buckets.Add(op.Bucket);
        }
        var keys = new RedisKey[4 * groups.Count + 2 * buckets.Count];
        var k = 0;
        foreach (var (chain, owner) in groups)
        {
            var prefix = Group(chain, owner);
            keys[k++] = prefix + ":u";
            keys[k++] = prefix + ":bi";
            keys[k++] = prefix + ":bb";
            keys[k++] = FenceKey(chain, owner);
        }
        foreach (var b in buckets)
        {
            keys[k++] = DataKey(b);
            keys[k++] = SetKey(b);
        }
        var args = new RedisValue[5 + groups.Count + 2 * buckets.Count + 5 * ops.Count];
        var a = 0;
        args[a++] = quota.MaxBytes;
        args[a++] = quota.MaxItems;
        args[a++] = groups.Count;
        args[a++] = buckets.Count;
        args[a++] = check ? "check" : "apply";
        foreach (var (chain, owner) in groups) args[a++] = Token(chain, owner);
        foreach (var b in buckets)
        {
            args[a++] = groupIndex[(b.Chain, b.Owner)];
            args[a++] = Part(b);
        }
        foreach (var op in ops)
        {
            args[a++] = bucketIndex[op.Bucket];
            args[a++] = op.Kind.ToString();
            args[a++] = op.Key;
            args[a++] = op.Value ?? [];
            args[a++] = op.Expected ?? [];
        }
        var result = (RedisResult[])Run(() => _db.ScriptEvaluate(Scripts.Apply, keys, args))!;
        switch ((string)result[0]!)
        {
            case "OK":
                return (long)result[1];
            case "NOMATCH":
                return -1;
            case "FENCED":
                var (fencedChain, fencedOwner) = groups[(int)result[1] - 1];
                throw Fenced(fencedChain, fencedOwner, (long)result[2]);
            case "Q":
                var (chain, owner) = groups[(int)result[1] - 1];
                quota.Check(chain, owner, (long)result[2], (long)result[3], (long)result[4], (long)result[5]);
                throw new StorageException(StorageErrorCode.QuotaExceeded, $"plugin \"{owner}\" would exceed its quota on chain \"{chain}\"");
            default:
                throw new StorageException(StorageErrorCode.BackendFailure, $"the Redis store at {_location.Endpoint} returned an unexpected script result");
        }
    }

    private void EnsureIndexed(IReadOnlyList<Op> ops)
    {
        List<(string Chain, string Owner)>? missing = null;
        foreach (var op in ops)
        {
            var g = (op.Bucket.Chain, op.Bucket.Owner);
            if (op.Kind != 'd' && !_indexed.ContainsKey(g) && !(missing ??= []).Contains(g)) missing.Add(g);
        }
        if (missing is null) return;
        Run(() =>
        {
            var tasks = new List<Task>();
            foreach (var (chain, owner) in missing)
            {
                tasks.Add(_db.SetAddAsync(ChainsKey, chain));
                tasks.Add(_db.SetAddAsync(OwnersKey(chain), owner));
            }
            _db.WaitAll(tasks.ToArray());
            return 0;
        });
        foreach (var g in missing) _indexed[g] = true;
    }

    // ---- administration ----

    public override UsageEntry GetOwnerUsage(string chain, string owner)
    {
        ThrowIfDisposed();
        var v = Run(() => _db.HashGet(Group(chain, owner) + ":u", ["items", "bytes"]));
        return new UsageEntry(owner, v[0].IsNull ? 0 : (long)v[0], v[1].IsNull ? 0 : (long)v[1]);
    }

    private List<string> Chains() =>
        Run(() => _db.SetMembers(ChainsKey)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();

    private List<string> Owners(string chain) =>
        Run(() => _db.SetMembers(OwnersKey(chain))).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();

    /// <summary>The buckets of one group with their usage, read together (one slot).</summary>
    private List<(BucketId Bucket, long Items, long Bytes)> GroupBuckets(string chain, string owner)
    {
        var prefix = Group(chain, owner);
        var (items, bytes) = Run(() =>
        {
            var t1 = _db.HashGetAllAsync(prefix + ":bi");
            var t2 = _db.HashGetAllAsync(prefix + ":bb");
            _db.WaitAll(t1, t2);
            return (t1.Result, t2.Result);
        });
        var byteMap = bytes.ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        var result = new List<(BucketId, long, long)>(items.Length);
        foreach (var e in items)
        {
            var part = (string)e.Name!;
            var n = (long)e.Value;
            if (n <= 0) continue;
            var pieces = part.Split(':');
            if (pieces.Length != 3) continue;
            var bucket = new BucketId(chain, pieces[0] == "t" ? DbMode.Transactional : DbMode.NonTransactional, pieces[1], pieces[2]);
            result.Add((bucket, n, byteMap.GetValueOrDefault(part)));
        }
        return result;
    }

    public override IReadOnlyList<UsageEntry> ListChains()
    {
        ThrowIfDisposed();
        var result = new List<UsageEntry>();
        foreach (var chain in Chains())
        {
            long items = 0, bytes = 0;
            foreach (var owner in Owners(chain))
            {
                var u = GetOwnerUsage(chain, owner);
                items += u.Items;
                bytes += u.Bytes;
            }
            if (items > 0) result.Add(new UsageEntry(chain, items, bytes));
        }
        return result;
    }

    public override IReadOnlyList<UsageEntry> ListServices(string chain)
    {
        ThrowIfDisposed();
        var totals = new SortedDictionary<string, (long Items, long Bytes)>(StringComparer.Ordinal);
        foreach (var owner in Owners(chain))
            foreach (var (bucket, items, bytes) in GroupBuckets(chain, owner))
            {
                var t = totals.GetValueOrDefault(bucket.Service);
                totals[bucket.Service] = (t.Items + items, t.Bytes + bytes);
            }
        return totals.Select(t => new UsageEntry(t.Key, t.Value.Items, t.Value.Bytes)).ToList();
    }

    public override IReadOnlyList<(BucketId Bucket, UsageEntry Usage)> ListBuckets(string chain, string service)
    {
        ThrowIfDisposed();
        return OwnersHolding(chain, service)
            .SelectMany(owner => GroupBuckets(chain, owner))
            .Where(b => b.Bucket.Service == service)
            .OrderBy(b => b.Bucket.Bucket, StringComparer.Ordinal).ThenBy(b => b.Bucket.Mode)
            .Select(b => (b.Bucket, new UsageEntry(b.Bucket.Bucket, b.Items, b.Bytes)))
            .ToList();
    }

    /// <summary>The owners whose groups may hold buckets of <paramref name="service"/> (all for null or clientdata).</summary>
    private List<string> OwnersHolding(string chain, string? service) =>
        service is null || service == Names.ClientData ? Owners(chain) : Owners(chain).Contains(service) ? [service] : [];

    public override long Clear(string chain, string? service)
    {
        ThrowIfDisposed();
        long removed = 0;
        foreach (var owner in OwnersHolding(chain, service))
        {
            var prefix = Group(chain, owner);
            RedisKey[] keys = [prefix + ":u", prefix + ":bi", prefix + ":bb", FenceKey(chain, owner)];
            RedisValue[] args = [prefix, service ?? "", Token(chain, owner)];
            var result = (RedisResult[])Run(() => _db.ScriptEvaluate(Scripts.Clear, keys, args))!;
            if ((string)result[0]! == "FENCED") throw Fenced(chain, owner, (long)result[1]);
            removed += (long)result[1];
        }
        return removed;
    }

    // ---- turn modes (PDP-TURN-8): P:{chain|owner}:mode, "serialized" or "concurrent" ----

    private RedisKey ModeKey(string chain, string owner) => $"{Group(chain, owner)}:mode";

    public override TurnMode ClaimTurnMode(string chain, string owner, TurnMode proposed)
    {
        ThrowIfDisposed();
        if (GetTurnMode(chain, owner) is { } recorded) return recorded;
        var key = ModeKey(chain, owner);
        // SET NX then GET: the first process's mode stays; a concurrent forget between the two reads as ours.
        if (Run(() => _db.StringSet(key, ModeName(proposed), when: When.NotExists))) return proposed;
        return GetTurnMode(chain, owner) ?? proposed;
    }

    public override TurnMode? GetTurnMode(string chain, string owner)
    {
        ThrowIfDisposed();
        var v = Run(() => _db.StringGet(ModeKey(chain, owner)));
        return v.IsNull ? null : ParseTurnMode((string)v!, $"{ModeKey(chain, owner)} on {_location.Endpoint}");
    }

    public override void SetTurnMode(string chain, string owner, TurnMode? mode)
    {
        ThrowIfDisposed();
        var key = ModeKey(chain, owner);
        Run(() => mode is { } m ? _db.StringSet(key, ModeName(m)) : _db.KeyDelete(key));
    }

    private static string ModeName(TurnMode mode) => mode.ToString().ToLowerInvariant();

    public override IEnumerable<StoredRecord> Scan(string? chain, string? service)
    {
        ThrowIfDisposed();
        return ScanLazily(chain, service);
    }

    private IEnumerable<StoredRecord> ScanLazily(string? chain, string? service)
    {
        foreach (var c in chain is null ? Chains() : [chain])
            foreach (var owner in OwnersHolding(c, service))
                foreach (var (bucket, _, _) in GroupBuckets(c, owner).OrderBy(b => b.Bucket.ToString(), StringComparer.Ordinal))
                {
                    if (service is not null && bucket.Service != service) continue;
                    string? after = null;
                    while (true)
                    {
                        ThrowIfDisposed();
                        var keys = ListKeys(bucket, after, PageSize);
                        if (keys.Count == 0) break;
                        var values = GetMany(bucket, keys);
                        for (var i = 0; i < keys.Count; i++)
                            if (values[i] is { } v) yield return new StoredRecord(bucket, keys[i], v);
                        if (keys.Count < PageSize) break;
                        after = keys[^1];
                    }
                }
    }

    // ---- plumbing ----

    private T Run<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (RedisServerException e)
        {
            throw new StorageException(StorageErrorCode.BackendFailure, $"the Redis store at {_location.Endpoint} refused a command: {Scrub(e.Message)}");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or AggregateException { InnerException: RedisException or TimeoutException })
        {
            var inner = e is AggregateException a ? a.InnerException! : e;
            throw new StorageException(StorageErrorCode.BackendFailure, $"the Redis store at {_location.Endpoint} failed: {Scrub(inner.Message)}");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        // Leases still held (a holder not disposed first) are released while the connection lives.
        foreach (var lease in _leases.Values) lease.Dispose();
        _mux.Dispose();
    }
}
