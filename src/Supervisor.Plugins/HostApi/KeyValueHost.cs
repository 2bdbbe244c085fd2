using Microsoft.Extensions.Logging;
using Supervisor.Plugins.Interop;
using Supervisor.Storage;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// <c>wasi:keyvalue</c> store, atomics and batch, at <c>0.2.0-draft</c> (psibase's shim: <c>u64</c>
/// cursors and deltas) and <c>0.2.0-draft2</c> (Wasmtime's and Spin's: string cursors, <c>s64</c>
/// deltas, <c>cas</c>). Both faces reach the same records: service = the calling plugin,
/// bucket = the identifier, non-transactional, persistent. Failures are the WIT <c>error</c>
/// variant; host faults are logged and reported to the plugin without details.
/// </summary>
internal sealed class KeyValueHost : IHostInterface
{
    private readonly HostContext _host;
    private readonly bool _draft2;
    private readonly HostResourceType _bucketType;
    private readonly HostResourceType? _casType;

    public KeyValueHost(HostContext host, bool draft2, HostResourceType bucketType, HostResourceType? casType)
    {
        _host = host;
        Names = draft2
            ? [HostCatalog.KeyValueStoreDraft2, HostCatalog.KeyValueAtomicsDraft2, HostCatalog.KeyValueBatchDraft2, Composition.ByteAdapter.KeyValueDraft2Host]
            : [HostCatalog.KeyValueStoreDraft, HostCatalog.KeyValueAtomicsDraft, HostCatalog.KeyValueBatchDraft, Composition.ByteAdapter.KeyValueDraftHost];
        _draft2 = draft2;
        _bucketType = bucketType;
        _casType = casType;
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>Defines the functions the guest imports from <paramref name="import"/> (store, atomics, batch or the byte adapter's twins).</summary>
    public void Define(string name, ComponentItemInfo import, LinkerInstance li)
    {
        if (name is Composition.ByteAdapter.KeyValueDraftHost or Composition.ByteAdapter.KeyValueDraft2Host)
        {
            DefineAdapter(import, li);
            return;
        }
        var iface = import.Name[..import.Name.IndexOf('@')];
        if (iface == "wasi:keyvalue/store")
            li.AddResource("bucket", _bucketType, static (store, rep) => (store?.HostState as GuestState)?.Resources.Remove(rep));
        if (iface == "wasi:keyvalue/atomics" && _casType is not null)
            li.AddResource("cas", _casType, static (store, rep) => (store?.HostState as GuestState)?.Resources.Remove(rep));
        foreach (var f in import.Exports.Where(e => e.Kind == ComponentItemKind.Func))
        {
            var type = f.Function!;
            Func<GuestState, Operation, HostCall, object?>? body = (iface, f.Name) switch
            {
                ("wasi:keyvalue/store", "open") => Open,
                ("wasi:keyvalue/store", "[method]bucket.get") => (i, op, c) => Bucket(i, op, c).Get(Str(c, 1)),
                ("wasi:keyvalue/store", "[method]bucket.set") => Set,
                ("wasi:keyvalue/store", "[method]bucket.delete") => (i, op, c) => { Bucket(i, op, c).Delete(Str(c, 1)); return null; },
                ("wasi:keyvalue/store", "[method]bucket.exists") => (i, op, c) => Bucket(i, op, c).Exists(Str(c, 1)),
                ("wasi:keyvalue/store", "[method]bucket.list-keys") => ListKeys,
                ("wasi:keyvalue/atomics", "increment") => Increment,
                ("wasi:keyvalue/atomics", "[static]cas.new") => CasNew,
                ("wasi:keyvalue/atomics", "[method]cas.current") => (i, op, c) => i.Resources.Get<CasHandle>(ComponentResources.ReadHostResourceRep(c.Context, c.Args[0], _casType!)).Snapshot,
                ("wasi:keyvalue/atomics", "swap") => Swap,
                ("wasi:keyvalue/batch", "get-many") => GetMany,
                ("wasi:keyvalue/batch", "set-many") => SetMany,
                ("wasi:keyvalue/batch", "delete-many") => DeleteMany,
                _ => null,
            };
            if (body is null)
                throw new PluginException(PluginErrorCode.ImportRefused, $"{import.Name} has no function \"{f.Name}\" in this host");
            // swap's error is cas-error, whose store failure is the case store-error(error).
            var casError = (iface, f.Name) is ("wasi:keyvalue/atomics", "swap");
            HostFunction function = (in HostCall call) => Run(call, type, body, casError);
            if (HostFunctions.StorageOperation(f.Name) is { } operation) function = Traced(operation, iface, function);
            li.AddFunction(f.Name, HostFunctions.Guard(function));
        }
    }

    /// <summary>A function in a storage span of its own: <c>wasi:keyvalue</c> buckets are non-transactional and persistent.</summary>
    private static HostFunction Traced(string operation, string api, HostFunction body) =>
        HostFunctions.Storage(operation, api, body, DbMode.NonTransactional, StorageDuration.Persistent);

    /// <summary>The byte adapter's twins of <c>[method]bucket.get</c> and <c>.set</c>: values as base64 strings (<see cref="AdapterHost"/>), errors as the same WIT variant.</summary>
    private void DefineAdapter(ComponentItemInfo import, LinkerInstance li)
    {
        foreach (var f in import.Exports.Where(e => e.Kind == ComponentItemKind.Func && e.Name != "fail"))
        {
            var type = f.Function!;
            Func<GuestState, Operation, HostCall, object?> body = f.Name switch
            {
                "get-enc" => (i, op, c) => new Base64Value(Bucket(i, op, c).Get(Str(c, 1))),
                "set-enc" => (i, op, c) =>
                {
                    AdapterHost.SetDecoded(_host, Bucket(i, op, c), Str(c, 1), ComponentValues.ReadUtf8(c.Args[2]));
                    return null;
                },
                _ => throw new InvalidOperationException($"adapter interface {import.Name} has no function \"{f.Name}\" in this host"),
            };
            // Spans name the interface the plugin imported, not the adapter's.
            li.AddFunction(f.Name, HostFunctions.Guard(Traced(f.Name == "get-enc" ? "get" : "set", "wasi:keyvalue/store", (in HostCall call) => Run(call, type, body))));
        }
        AdapterHost.DefineFail(li);
    }

    /// <summary>A value to return as <c>ok(option&lt;string&gt;)</c> holding its base64, written straight into Wasmtime's buffer.</summary>
    private sealed record Base64Value(byte[]? Value);

    /// <summary>
    /// Runs one function, writing <c>ok(value)</c>, or <c>err(error)</c> for failures a plugin should handle;
    /// <paramref name="casError"/>: the function's error type is <c>cas-error</c>, so an <c>error</c> goes in its <c>store-error</c> case.
    /// </summary>
    private void Run(in HostCall call, WitFunctionType type, Func<GuestState, Operation, HostCall, object?> body, bool casError = false)
    {
        var (instance, state) = HostFunctions.Enter(call);
        object result;
        try
        {
            var value = body(instance, state.Operation, call);
            if (value is Base64Value encoded)
            {
                ComponentVal option = default;
                AdapterHost.WriteOptionBase64(_host, ref option, encoded.Value);
                ComponentValues.WriteResult(ref call.Results[0], true, ref option, hasPayload: true);
                return;
            }
            result = value as WitResult? ?? WitResult.Ok(value);
        }
        catch (StorageException e) when (!IsHostFault(e))
        {
            Calling.Telemetry.StorageFailed(e.Code.ToString());
            result = WitResult.Err(StoreError(Other(e.Message), casError));
        }
        catch (StorageException e)
        {
            Calling.Telemetry.StorageFailed(e.Code.ToString());
            // A host fault: logged here, never described to the plugin (paths, connection strings).
            _host.Logger.LogError(e, "storage failed under {Plugin} in {Function}", instance.Service, type);
            result = WitResult.Err(StoreError(Other("the host's store failed; the host logged the cause"), casError));
        }
        catch (KeyValueError e)
        {
            // The case name (no-such-store, access-denied, other), never its text.
            Calling.Telemetry.StorageFailed(e.Value is WitVariantValue v ? v.Tag : "error");
            result = WitResult.Err(StoreError(e.Value, casError));
        }
        catch (Exception e) when (e is not PluginException)
        {
            Calling.Telemetry.StorageFailed(e.GetType().Name);
            _host.Logger.LogError(e, "host failure under {Plugin} in {Function}", instance.Service, type);
            result = WitResult.Err(StoreError(Other("the host failed; the host logged the cause"), casError));
        }
        ManagedValues.FromManaged(ref call.Results[0], type.Result!, result, call.Context);
    }

    private static WitVariantValue Other(string message) => new("other", message);

    /// <summary>An <c>error</c> as the function's error type: itself, or <c>cas-error::store-error</c> for <c>swap</c>.</summary>
    private static object StoreError(object error, bool casError) => casError ? new WitVariantValue("store-error", error) : error;

    /// <summary>A failure of the host rather than of the plugin's request: logged, and described to the plugin only generically (PDP-ERR-1).</summary>
    private static bool IsHostFault(StorageException e) =>
        e.Code is StorageErrorCode.BackendFailure or StorageErrorCode.StoreCorrupt or StorageErrorCode.OperationEnded;

    private static string Str(in HostCall call, int index) => ComponentValues.ReadString(call.Args[index]);

    private BucketHandle Handle(GuestState instance, in HostCall call) =>
        instance.Resources.Get<BucketHandle>(ComponentResources.ReadHostResourceRep(call.Context, call.Args[0], _bucketType));

    private Bucket Bucket(GuestState instance, Operation op, in HostCall call) =>
        op.OpenBucket(Handle(instance, call).Id, StorageDuration.Persistent);

    private object? Open(GuestState instance, Operation op, HostCall call)
    {
        var id = new BucketId(_host.ChainId, DbMode.NonTransactional, instance.Service, Str(call, 0));
        var rep = instance.Resources.TryAdd(new BucketHandle(id, StorageDuration.Persistent))
            ?? throw new KeyValueError(Other(instance.Resources.FullMessage(instance.Service)));
        return _bucketType.Own(rep);
    }

    private object? Set(GuestState instance, Operation op, HostCall call)
    {
        var bucket = Bucket(instance, op, call);
        var key = Str(call, 1);
        var length = ComponentValues.ListLength(call.Args[2]);
        _host.Limits.ValidateValueSize(key, length);
        bucket.Set(key, ComponentValues.ReadBytes(call.Args[2]));
        return null;
    }

    private object? ListKeys(GuestState instance, Operation op, HostCall call)
    {
        var handle = Handle(instance, call);
        var bucket = op.OpenBucket(handle.Id, StorageDuration.Persistent);
        var cursorArg = ManagedValues.ToManaged(call.Args[1], _draft2 ? new WitOption(WitType.String) : new WitOption(WitType.U64));
        byte[]? cursor = null;
        if (cursorArg is ulong n)
        {
            var after = handle.Cursor(n) ?? throw new KeyValueError(Other($"list cursor {n} is unknown or has expired; start the listing again"));
            cursor = Keys.CursorAfter(after);
        }
        else if (cursorArg is string s)
        {
            cursor = s.Length > 0 ? DecodeCursor(s) : throw new KeyValueError(Other("list cursor is empty; pass none to start a listing"));
        }
        var page = bucket.ListKeys(cursor, Keys.DefaultPageSize);
        object? next = null;
        if (page.Cursor is not null)
            next = _draft2 ? System.Buffers.Text.Base64Url.EncodeToString(page.Cursor) : handle.AddCursor(page.Keys[^1]);
        return new Dictionary<string, object?> { ["keys"] = page.Keys.Cast<object?>().ToList(), ["cursor"] = next };
    }

    private static byte[] DecodeCursor(string s)
    {
        try
        {
            var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(s);
            Keys.ParseCursor(bytes);
            return bytes;
        }
        catch (FormatException)
        {
            throw new KeyValueError(Other("list cursor was not produced by this store"));
        }
    }

    private object? Increment(GuestState instance, Operation op, HostCall call)
    {
        var bucket = Bucket(instance, op, call);
        var key = Str(call, 1);
        if (_draft2) return bucket.Increment(key, (long)ManagedValues.ToManaged(call.Args[2], WitType.S64)!);
        var delta = (ulong)ManagedValues.ToManaged(call.Args[2], WitType.U64)!;
        if (delta > long.MaxValue)
            throw new KeyValueError(Other($"delta {delta} is larger than the largest counter the store keeps ({long.MaxValue})"));
        var current = bucket.Get(key) is { } v ? Keys.ParseCounter(v, key) : 0;
        if (current < 0)
            throw new KeyValueError(Other($"counter \"{key}\" holds {current}, which has no u64 form"));
        return (ulong)bucket.Increment(key, (long)delta);
    }

    private object? CasNew(GuestState instance, Operation op, HostCall call)
    {
        var handle = Handle(instance, call);
        var key = Str(call, 1);
        var snapshot = op.OpenBucket(handle.Id, StorageDuration.Persistent).Get(key);
        var rep = instance.Resources.TryAdd(new CasHandle(handle, key, snapshot))
            ?? throw new KeyValueError(Other(instance.Resources.FullMessage(instance.Service)));
        return _casType!.Own(rep);
    }

    private object? Swap(GuestState instance, Operation op, HostCall call)
    {
        // swap takes the cas handle (own): it is ours now, and goes back to the plugin only on failure.
        var rep = ComponentResources.ReadHostResourceRep(call.Context, call.Args[0], _casType!);
        var cas = instance.Resources.Get<CasHandle>(rep);
        var value = ComponentValues.ReadBytes(call.Args[1]);
        try
        {
            var bucket = op.OpenBucket(cas.Bucket.Id, StorageDuration.Persistent);
            if (!bucket.CompareAndSwap(cas.Key, cas.Snapshot, value))
            {
                // The handle goes back holding the value that won, so the plugin can retry from it.
                instance.Resources.Replace(rep, new CasHandle(cas.Bucket, cas.Key, bucket.Get(cas.Key)));
                return WitResult.Err(new WitVariantValue("cas-failed", _casType!.Own(rep)));
            }
        }
        catch (Exception e)
        {
            // The handle was the plugin's to give: it ends here whatever failed. A host fault goes on to Run, which
            // logs it and gives the plugin store-error with the generic text only (PDP-ERR-1).
            instance.Resources.Remove(rep);
            if (e is StorageException s && !IsHostFault(s))
                return WitResult.Err(new WitVariantValue("store-error", Other(s.Message)));
            throw;
        }
        instance.Resources.Remove(rep);
        return null;
    }

    private object? GetMany(GuestState instance, Operation op, HostCall call)
    {
        var bucket = Bucket(instance, op, call);
        var keys = ((List<object?>)ManagedValues.ToManaged(call.Args[1], new WitList(WitType.String))!).Cast<string>().ToList();
        var values = bucket.GetMany(keys);
        return keys.Select((k, i) => values[i] is { } v ? new object?[] { k, v } : null).Cast<object?>().ToList();
    }

    private static readonly WitType KeyValueList = new WitList(new WitTuple([WitType.String, new WitList(WitType.U8)]));

    private object? SetMany(GuestState instance, Operation op, HostCall call)
    {
        var bucket = Bucket(instance, op, call);
        var items = (List<object?>)ManagedValues.ToManaged(call.Args[1], KeyValueList)!;
        bucket.SetMany(items.Select(o => (object?[])o!).Select(t => new KeyValuePair<string, byte[]>((string)t[0]!, (byte[])t[1]!)).ToList());
        return null;
    }

    private object? DeleteMany(GuestState instance, Operation op, HostCall call)
    {
        var bucket = Bucket(instance, op, call);
        var keys = ((List<object?>)ManagedValues.ToManaged(call.Args[1], new WitList(WitType.String))!).Cast<string>().ToList();
        bucket.DeleteMany(keys);
        return null;
    }

    /// <summary>A failure to report as the given WIT error value.</summary>
    private sealed class KeyValueError(object value) : Exception("wasi:keyvalue error")
    {
        public object Value { get; } = value;
    }
}
