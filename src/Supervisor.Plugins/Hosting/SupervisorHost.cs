using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Supervisor.Plugins.Composition;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

internal sealed partial class SupervisorHost : Supervisor
{
    /// <summary>The wasm stack of each store (Wasmtime's default, set explicitly so the native stack budget knows it).</summary>
    internal const int WasmStackBytes = 512 * 1024;

    /// <summary>Native stack each plugin call may use beside its wasm stack: the host frames between two stores (measured: about 6 KiB).</summary>
    internal const int HostFramesPerCall = 64 * 1024;

    /// <summary>Native stack kept free below the deepest call, for the host's own work (trap handling, logging).</summary>
    internal const int StackReserve = 256 * 1024;

    /// <summary>Wasmtime ticks the epoch this often; call deadlines are counted in ticks.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);
    private const string WasmtimeVersion = "50.0.1";

    private readonly ConcurrentDictionary<(string Service, string Plugin), Lazy<LoadedPlugin>> _plugins = new();
    private readonly PluginDirectory _directory;
    private readonly CompileCache? _cache;
    private readonly EpochTicker _ticker;
    private readonly StorageSession _session;
    private readonly bool _ownsStore;
    private readonly ILogger _logger;
    private readonly string _engineFingerprint;
    private readonly HostResourceType[] _resourceTypes = [];
    private int _disposed;
    private int _active;
    private readonly ManualResetEventSlim _drained = new(false);
    private CallThreads? _callThreads;

    public SupervisorHost(SupervisorOptions options)
    {
        Options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Supervisor");
        _directory = new PluginDirectory(options.PluginDirectory);
        if (options.Store is { } store)
        {
            Store = store;
        }
        else
        {
            Store = KeyValueStore.Create(options.Storage);
            _ownsStore = true;
        }
        try
        {
            if (Store.Backend.AccessWarning is { } warning) _logger.LogWarning("{Warning}", warning);
            _session = Store.OpenSession();
            Engine = new WasmtimeEngine(new EngineOptions { MaxWasmStack = WasmStackBytes });
            _engineFingerprint = $"wasmtime {WasmtimeVersion}; {Engine.Options}; {Environment.OSVersion.Platform} {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}";
            _ticker = new EpochTicker(Engine, Tick);
            // One host resource type per WIT resource: a handle of one kind can never pass for another.
            _resourceTypes = [new("wasi:keyvalue@0.2.0-draft bucket"), new("wasi:keyvalue@0.2.0-draft2 bucket"), new("wasi:keyvalue@0.2.0-draft2 cas"), new("host:db bucket")];
            KeyValueDraft = new KeyValueHost(this, draft2: false, _resourceTypes[0], null);
            KeyValueDraft2 = new KeyValueHost(this, draft2: true, _resourceTypes[1], _resourceTypes[2]);
            Db = new DbHost(this, _resourceTypes[3]);
            if (options.CacheDirectory is { } cacheDir) _cache = CompileCache.Open(cacheDir, CompileCache.DefaultSecretFile(cacheDir), _logger);
        }
        catch
        {
            if (_ownsStore) Store.Dispose();
            throw;
        }
    }

    public SupervisorOptions Options { get; }

    public ILogger Logger => _logger;

    public KeyValueHost KeyValueDraft { get; } = null!;

    public KeyValueHost KeyValueDraft2 { get; } = null!;

    public DbHost Db { get; } = null!;

    public WasmtimeEngine Engine { get; }

    public override KeyValueStore Store { get; }

    public override string ChainId => Options.ChainId;

    public override object? Call(CallTarget target, IReadOnlyList<object?> args, string? caller = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var op = (GroupedOperation)BeginOperation(caller);
        var result = op.Call(target, args);
        op.Complete();
        return result;
    }

    public override PluginOperation BeginOperation(string? caller = null)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var app = caller ?? Options.DefaultCaller;
        if (!Names.IsValidService(app))
            throw new PluginException(PluginErrorCode.InvalidTarget, $"caller \"{app}\" is not a valid psibase account name");
        return new GroupedOperation(this, app, _session.BeginOperation());
    }

    /// <summary>
    /// Runs <paramref name="body"/> (anything that enters native code: calls, loads, descriptions) as work in flight,
    /// which <see cref="Dispose"/> interrupts and waits for before it frees a native object.
    /// </summary>
    private T InFlight<T>(Func<T> body)
    {
        Interlocked.Increment(ref _active);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            return body();
        }
        finally
        {
            if (Interlocked.Decrement(ref _active) == 0 && _disposed != 0) _drained.Set();
        }
    }

    private PluginException Disposed() => new(PluginErrorCode.Unavailable, "the supervisor was disposed while the call ran; the call was stopped");

    /// <summary>Test hook: false runs every outermost call on the caller's thread, leaving only the check before each entry.</summary>
    internal bool UseCallThreads { get; set; } = true;

    /// <summary>Native stack a chain of <paramref name="depth"/> calls may need.</summary>
    private static long StackBudget(int depth) => (long)depth * (WasmStackBytes + HostFramesPerCall) + StackReserve;

    /// <summary>
    /// Runs an outermost call of an operation: on this thread when its stack has room for the longest chain of calls
    /// the target can start (one call for a plugin that imports no other plugin, else <see cref="SupervisorOptions.MaxCallDepth"/>),
    /// else on a thread sized for the longest chain (thread-pool threads have about 1.5 MiB).
    /// </summary>
    internal object? CallOutermost(CallContext context, CallTarget target, IReadOnlyList<object?> args) =>
        InFlight(() => CallOutermostOnAThread(context, target, args));

    private object? CallOutermostOnAThread(CallContext context, CallTarget target, IReadOnlyList<object?> args)
    {
        if (CallContext.Current is not null)
            throw new PluginException(PluginErrorCode.CallDepth, "a plugin call is already running on this thread; host code inside a call cannot start another operation");
        var depth = GetPlugin(target.Service, target.Plugin).CallsPlugins ? Options.MaxCallDepth : 1;
        if (!UseCallThreads || NativeStack.Remaining() >= StackBudget(depth)) return CallOutermostHere(context, target, args);
        var threads = LazyInitializer.EnsureInitialized(ref _callThreads, () => new CallThreads(checked((int)(StackBudget(Options.MaxCallDepth) + 1024 * 1024))));
        try
        {
            return threads.Run(() => CallOutermostHere(context, target, args));
        }
        catch (InvalidOperationException) when (_disposed != 0)
        {
            throw Disposed();
        }
    }

    private object? CallOutermostHere(CallContext context, CallTarget target, IReadOnlyList<object?> args)
    {
        context.Deadline = DateTime.UtcNow + Options.CallTimeout;
        context.Fault = null;
        context.HostError = null;
        CallContext.Current = context;
        try
        {
            return Invoke(context, target, args);
        }
        finally
        {
            CallContext.Current = null;
            StorageDeadline.Current = null;
        }
    }

    /// <summary>Calls a plugin function on behalf of the frame on top of <paramref name="context"/>'s stack.</summary>
    internal object? Invoke(CallContext context, CallTarget target, IReadOnlyList<object?> args)
    {
        var left = NativeStack.Remaining();
        if (left < StackBudget(1))
            throw new PluginException(PluginErrorCode.CallDepth,
                $"call to {target} could need {StackBudget(1) / 1024} KiB of native stack ({WasmStackBytes / 1024} KiB of wasm stack, host frames and a reserve), " +
                $"but this thread has {left / 1024} KiB left at call depth {context.Frames.Count} ({string.Join(" -> ", context.Frames.Select(f => f.Service).Append(target.Service))})");
        if (context.Frames.Count >= Options.MaxCallDepth)
            throw new PluginException(PluginErrorCode.CallDepth, $"call to {target} would make the call stack {context.Frames.Count + 1} deep; the limit is {Options.MaxCallDepth}");
        if (context.Frames.Any(f => f.Service == target.Service))
            throw new PluginException(PluginErrorCode.CallDepth,
                $"call to {target} re-enters plugin \"{target.Service}\", which is already on the call stack ({string.Join(" -> ", context.Frames.Select(f => f.Service).Append(target.Service))})");
        // Loading (a first compile can take seconds) does not count against the call's time limit.
        var loadStarted = System.Diagnostics.Stopwatch.GetTimestamp();
        var plugin = GetPlugin(target.Service, target.Plugin);
        context.Deadline += System.Diagnostics.Stopwatch.GetElapsedTime(loadStarted);
        var type = plugin.ExportType(target.InterfaceName, target.Function)
            ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{target.Service}:{target.Plugin}\" exports no function {target}; it exports: {string.Join(", ", DescribeExports(plugin).Select(e => e.Interface is null ? e.Function : $"{e.Interface}.{e.Function}"))}");
        if (args.Count != type.Parameters.Count)
            throw new PluginException(PluginErrorCode.InvalidArguments, $"{target} takes {type.Parameters.Count} argument(s) {type}; got {args.Count}");
        if (context.Frames.Count == 0)
        {
            // The app's arguments (a plugin's are bounded by Wasmtime's host-call fuel): checked before any is converted.
            for (var i = 0; i < args.Count; i++)
                if (ArgumentBytes(args[i], Options.MaxArgumentBytes) is var size && size > Options.MaxArgumentBytes)
                    throw new PluginException(PluginErrorCode.InvalidArguments,
                        $"argument {i + 1} ({type.Parameters[i].Name}: {type.Parameters[i].Type}) of {target} holds more than {Options.MaxArgumentBytes} bytes ({size} counted so far); the limit is SupervisorOptions.MaxArgumentBytes");
        }

        // The frame goes on the stack before the instance is made: code that runs while the plugin is being
        // instantiated (a core start function) must never act under the identity of the frame below it.
        context.Frames.Add(new Frame(target.Service, target, Instantiating: true));
        PluginInstance? instance = null;
        try
        {
            instance = plugin.Rent(context.Deadline);
            context.Frames[^1] = context.Frames[^1] with { Instantiating = false };
            var function = instance.Function(target.InterfaceName, target.Function)
                ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{target.Service}\" exports no function {target}");
            instance.Stderr.Clear();
            return RunWithDeadline(instance.Store, context.Deadline, () => CallFunction(function, type, target, args));
        }
        catch (WasmtimeException e)
        {
            throw Translate(context, target, e, instantiating: instance is null ? plugin.Limits : null, stderr: instance?.Stderr.Text());
        }
        finally
        {
            context.Frames.RemoveAt(context.Frames.Count - 1);
            if (instance is not null) plugin.Return(instance);
        }
    }

    /// <summary>The bytes of an argument's byte arrays and strings (a string counted at 3 bytes a character), counting no further than past <paramref name="limit"/>.</summary>
    private static long ArgumentBytes(object? value, long limit)
    {
        switch (value)
        {
            case byte[] bytes:
                return bytes.LongLength;
            case string text:
                return 3L * text.Length;
            case System.Collections.IDictionary map:
            {
                long total = 0;
                foreach (System.Collections.DictionaryEntry e in map)
                    if ((total += ArgumentBytes(e.Key, limit) + ArgumentBytes(e.Value, limit)) > limit) return total;
                return total;
            }
            case System.Collections.IEnumerable items:
            {
                long total = 0;
                foreach (var item in items)
                    if ((total += 1 + ArgumentBytes(item, limit)) > limit) return total;
                return total;
            }
            default:
                return 8;
        }
    }

    /// <summary>
    /// The exception for a failed call; <paramref name="instantiating"/> holds the plugin's store limits when it failed
    /// while being instantiated, <paramref name="stderr"/> the tail of what the plugin printed (a JavaScript engine
    /// prints the uncaught error there, and the trap itself says only "unreachable").
    /// </summary>
    private PluginException Translate(CallContext context, CallTarget target, WasmtimeException e, StoreLimits? instantiating, string? stderr)
    {
        if (context.Fault is { } fault) return fault;
        var ex = FailureOf(context, target, e, instantiating);
        if (stderr is not null && e.Kind is not WasmtimeErrorKind.Interrupt)
        {
            _logger.LogInformation("plugin {Service} failed in {Target}; its stderr ended with: {Stderr}", target.Service, target, stderr);
            if (ex.Code == PluginErrorCode.Trap)
                ex = new PluginException(PluginErrorCode.Trap, $"{ex.Message}; the plugin's stderr ended with: {stderr}", ex.InnerException);
        }
        return context.Fault = ex;
    }

    /// <summary>What a failed call's Wasmtime error means, from the host's record of the call (<see cref="Translate"/> adds the plugin's output).</summary>
    private PluginException FailureOf(CallContext context, CallTarget target, WasmtimeException e, StoreLimits? instantiating)
    {
        if (instantiating is { } limits && e.Kind is WasmtimeErrorKind.Error)
        {
            var cause = FirstLine(e.Message);
            // Wasmtime says "resource limit exceeded" for counts and "exceeds memory/table limits" for sizes: name ours.
            if (cause.Contains("limit", StringComparison.Ordinal)) cause += $" ({limits.Describe(Options.MemoryLimitBytes)})";
            return new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{target.Service}\" cannot be instantiated: {cause}", e);
        }
        var where = instantiating is not null ? "while being instantiated (for " + target + ")" : "in " + target.ToString();
        if (context.HostError is StorageException { Code: StorageErrorCode.DeadlinePassed } locked)
            return new PluginException(PluginErrorCode.Timeout,
                $"call to {target} ran past its time limit of {Options.CallTimeout.TotalSeconds:0.###} s: {locked.Message}", locked);
        if (context.HostError is { } hostError && e.Kind != WasmtimeErrorKind.Interrupt)
        {
            if (hostError is not (StorageException or PluginException) || hostError is StorageException { Code: StorageErrorCode.BackendFailure or StorageErrorCode.StoreCorrupt })
                _logger.LogError(hostError, "host function failed in {Target}", target);
            var cause = hostError is StorageException or PluginException ? hostError.Message : "the host failed (see the host's log)";
            return new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" trapped {where}: {cause}", hostError);
        }
        return e.Kind switch
        {
            WasmtimeErrorKind.Interrupt when _disposed != 0 => Disposed(),
            WasmtimeErrorKind.Interrupt => new PluginException(PluginErrorCode.Timeout,
                $"call to {target} ran past its time limit of {Options.CallTimeout.TotalSeconds:0.###} s and was stopped", e),
            WasmtimeErrorKind.StackOverflow => new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" overflowed its stack {where}", e),
            _ => new PluginException(PluginErrorCode.Trap, $"plugin \"{target.Service}\" trapped {where}: {Explain(TrapCause(e.Message) ?? FirstLine(e.Message))}", e),
        };
    }

    /// <summary>
    /// Wasmtime's "hostcall fuel": what one call of a plugin may pass to the host (so to another plugin, through the
    /// supervisor), 128 MiB, counted as 48 bytes per list element. The C API cannot raise it.
    /// </summary>
    internal const long HostcallFuelBytes = 128L << 20;

    internal const int HostcallBytesPerElement = 48;

    /// <summary>A trap's cause with what the user needs to act on it, where Wasmtime's own words do not say.</summary>
    private static string Explain(string cause) =>
        cause.Contains("fuel allocated for hostcalls has been exhausted", StringComparison.Ordinal)
            ? $"{cause} (Wasmtime lets one call pass the host at most {HostcallFuelBytes >> 20} MiB of values at {HostcallBytesPerElement} bytes per list element: " +
              $"a list<u8> passed to another plugin may hold at most {HostcallFuelBytes / HostcallBytesPerElement} bytes)"
            : cause;

    /// <summary>The "Caused by:" part of a Wasmtime error: the trap itself, after the backtrace.</summary>
    private static string? TrapCause(string message)
    {
        var lines = message.Split('\n').Select(l => l.Trim()).ToList();
        var i = lines.FindIndex(l => l.StartsWith("Caused by:", StringComparison.Ordinal));
        if (i < 0) return null;
        var cause = lines.Skip(i + 1).Where(l => l.Length > 0).Select(l => l.TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ' ')).ToList();
        return cause.Count == 0 ? null : string.Join("; ", cause);
    }

    private static string FirstLine(string message)
    {
        var i = message.IndexOf('\n');
        return i < 0 ? message : message[..i];
    }

    private static object? CallFunction(ComponentFunction function, WitFunctionType type, CallTarget target, IReadOnlyList<object?> args) =>
        function.Invoke(args, (i, e) => new PluginException(PluginErrorCode.InvalidArguments,
            $"argument {i + 1} ({type.Parameters[i].Name}: {type.Parameters[i].Type}) of {target}: {e.Message}", e));

    /// <summary>Runs <paramref name="action"/> in <paramref name="store"/> with an epoch deadline at <paramref name="deadline"/>.</summary>
    internal T RunWithDeadline<T>(ComponentStore store, DateTime deadline, Func<T> action)
    {
        if (_disposed != 0) throw Disposed();
        // Storage waits (another writer's lock) end at the call's deadline too, not at the backend's own timeout.
        StorageDeadline.Current = deadline;
        var remaining = deadline - DateTime.UtcNow;
        if (remaining <= TimeSpan.Zero)
            throw new PluginException(PluginErrorCode.Timeout, $"the call's time limit of {Options.CallTimeout.TotalSeconds:0.###} s has passed");
        store.SetEpochDeadline(EpochTicks(deadline));
        return action();
    }

    private ulong EpochTicks(DateTime deadline)
    {
        var remaining = deadline - DateTime.UtcNow;
        return remaining <= TimeSpan.Zero || _disposed != 0 ? 1 : (ulong)Math.Ceiling(remaining / Tick) + 1;
    }

    internal void RunWithDeadline(ComponentStore store, DateTime deadline, Action action) =>
        RunWithDeadline(store, deadline, () =>
        {
            action();
            return 0;
        });

    internal LoadedPlugin GetPlugin(string service, string plugin)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var lazy = _plugins.GetOrAdd((service, plugin), k => new Lazy<LoadedPlugin>(() => Load(k.Service, k.Plugin)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load is not cached: fixing the file and calling again works.
            _plugins.TryRemove(new KeyValuePair<(string, string), Lazy<LoadedPlugin>>((service, plugin), lazy));
            throw;
        }
    }

    private WasmtimeComponent Compile(string service, string plugin, string file)
    {
        // Keyed by the plugin's own bytes (and the adapter's identity when it is on): a cache hit needs
        // no composition, only the metadata stored with the entry. A file unchanged since its key was
        // computed (same path, length and modification time) is not even read.
        var fingerprint = Options.ByteAdapter ? $"{_engineFingerprint}; {ByteAdapter.Fingerprint}" : _engineFingerprint;
        var stamp = _cache is null ? null : CompileCache.Stamp(file, fingerprint);
        if (_cache?.KnownKey(stamp) is { } known && FromCache(known, service, plugin, file) is { } fast) return fast;
        var bytes = PluginFile.ReadComponent(file, $"{service}:{plugin}", Options.MaxPluginFileBytes);
        var key = CompileCache.Key(bytes, fingerprint);
        if (FromCache(key, service, plugin, file) is { } cachedComponent)
        {
            _cache!.RememberKey(stamp, key);
            return cachedComponent;
        }
        t_notice = null;
        var adaptation = Adapt(service, plugin, file, ref bytes);
        var started = DateTime.UtcNow;
        WasmtimeComponent component;
        try
        {
            component = adaptation is null ? Engine.Compile(bytes) : CompileAdapted(service, plugin, file, ref bytes, ref adaptation);
        }
        catch (WasmtimeException e)
        {
            throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{service}:{plugin}\" ({file}) is not a valid component: {FirstLine(e.Message)}", e);
        }
        _logger.LogInformation("compiled plugin {Service}:{Plugin} in {Ms} ms", service, plugin, (int)(DateTime.UtcNow - started).TotalMilliseconds);
        _cache?.Store(key, component.Serialize(), EncodeAdaptation(adaptation));
        _cache?.RememberKey(stamp, key);
        return Remember(component, adaptation);
    }

    /// <summary>The cached compile for <paramref name="key"/>, or null (absent, damaged or refused; a bad entry is removed).</summary>
    private WasmtimeComponent? FromCache(string key, string service, string plugin, string file)
    {
        if (_cache?.TryLoad(key) is not { } hit) return null;
        using var entry = hit;
        try
        {
            // The bytes the MAC was checked over, not a second read of the file that anyone could swap meanwhile.
            var cached = DecodeAdaptation(hit.Metadata, service, plugin, file);
            return Remember(Engine.Deserialize(hit.Serialized), cached);
        }
        catch (Exception e) when (e is WasmtimeException or InvalidDataException or EndOfStreamException)
        {
            _logger.LogWarning("compile cache entry for {Service}:{Plugin} was refused ({Message}); recompiling", service, plugin, FirstLine(e.Message));
            _cache.Remove(key);
            return null;
        }
    }

    private bool PluginExists(string service, string plugin)
    {
        try
        {
            _directory.Resolve(service, plugin);
            return true;
        }
        catch (PluginException)
        {
            return false;
        }
    }

    internal IReadOnlyList<ImportVerdict> CheckImports(string service, ComponentTypeInfo type) =>
        type.Imports.Select(i => ImportPolicy.Judge(i, service, PluginExists)).ToList();

    private LoadedPlugin Load(string service, string plugin)
    {
        var file = _directory.Resolve(service, plugin);
        var component = Compile(service, plugin, file);
        try
        {
            var verdicts = CheckImports(service, OriginalType(component));
            var refused = verdicts.Where(v => !v.Allowed).ToList();
            if (refused.Count > 0)
                throw new PluginException(PluginErrorCode.ImportRefused,
                    $"plugin \"{service}:{plugin}\" imports what it may not: {string.Join("; ", refused.Select(r => $"{r.Name} ({r.Refusal})"))}");
            var linked = LinkVerdicts(component, verdicts);
            var linker = Link(service, component, linked);
            // Each interface an adapter added is one adapter instance in every store of the plugin.
            var adapters = linked.Count - verdicts.Count;
            return new LoadedPlugin(this, service, plugin, file, component, linker, verdicts, Options.MaxInstancesPerPlugin, StoreLimits.For(adapters));
        }
        catch (WasmtimeException e)
        {
            component.Dispose();
            throw new PluginException(PluginErrorCode.InvalidComponent, $"plugin \"{service}:{plugin}\" cannot be linked: {FirstLine(e.Message)}", e);
        }
        catch
        {
            component.Dispose();
            throw;
        }
    }

    private ComponentLinker Link(string service, WasmtimeComponent component, IReadOnlyList<ImportVerdict> verdicts)
    {
        var linker = new ComponentLinker(Engine);
        try
        {
            linker.AddWasiP2();
            // WASI's timers are replaced (below): the only definitions a plugin's imports may shadow.
            linker.AllowShadowing(true);
            using var root = linker.Root();
            foreach (var verdict in verdicts)
            {
                if (verdict.Kind == ImportKind.Wasi)
                {
                    if (verdict.Name.StartsWith(WasiTimers.Interface, StringComparison.Ordinal))
                    {
                        using var clock = root.AddInstance(verdict.Name);
                        WasiTimers.Define(clock);
                    }
                    continue;
                }
                using var li = root.AddInstance(verdict.Name);
                var interfaceName = verdict.Name;
                li.Decorate = (function, body) => HostInterfaces.RefuseWhileInstantiating(interfaceName, function, body);
                if (verdict.Kind == ImportKind.Host)
                {
                    HostInterfaces.Define(verdict.Name, li, this, component.Type.Imports.First(i => i.Name == verdict.Name));
                    continue;
                }
                var import = component.Type.Imports.First(i => i.Name == verdict.Name);
                foreach (var fn in import.Exports.Where(e => e.Kind == ComponentItemKind.Func))
                    DefineForwarder(li, service, verdict.Name, fn.Name, fn.Function!);
            }
            return linker;
        }
        catch
        {
            linker.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Links an imported function of another plugin through the supervisor, so the callee runs in
    /// its own instance with the caller pushed on the call stack.
    /// </summary>
    private void DefineForwarder(LinkerInstance li, string caller, string interfaceName, string function, WitFunctionType importType)
    {
        var target = CallTarget.Parse($"{interfaceName}.{function}");
        li.AddFunction(function, (in HostCall call) =>
        {
            // The same caller check as every host function: the calling store's plugin is the one on top of the stack.
            var (_, context) = HostInterfaces.Enter(call);
            try
            {
                var calleeType = GetPlugin(target.Service, target.Plugin).ExportType(target.InterfaceName, target.Function)
                    ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{caller}\" imports {target}, which plugin \"{target.Service}\" does not export");
                // Resource handles belong to the store that made them; they cannot cross to another plugin.
                if (importType.ToString().Contains("own<", StringComparison.Ordinal) || importType.ToString().Contains("borrow<", StringComparison.Ordinal))
                    throw new PluginException(PluginErrorCode.ImportRefused,
                        $"plugin \"{caller}\" imports {target} as {importType}: resource handles cannot be passed between plugins");
                if (calleeType.ToString() != importType.ToString())
                    throw new PluginException(PluginErrorCode.ImportRefused,
                        $"plugin \"{caller}\" imports {target} as {importType}, but plugin \"{target.Service}\" exports it as {calleeType}");
                var args = new object?[call.Args.Length];
                for (var i = 0; i < args.Length; i++) args[i] = ComponentValues.ToManaged(call.Args[i], importType.Parameters[i].Type, call.Context);
                var result = Invoke(context, target, args);
                // The callee may have loaded plugins and moved the deadline: give the caller's store the new one.
                call.Store.SetEpochDeadline(EpochTicks(context.Deadline));
                if (importType.Result is not null) ComponentValues.FromManaged(ref call.Results[0], importType.Result, result, call.Context);
            }
            catch (PluginException e)
            {
                context.Fault ??= e;
                throw;
            }
        });
    }

    public override PluginDescription Describe(string service, string plugin = "plugin") =>
        InFlight(() => DescribeComponent(service, plugin, _directory.Resolve(service, plugin)));

    private PluginDescription DescribeComponent(string service, string plugin, string file)
    {
        using var component = Compile(service, plugin, file);
        var verdicts = CheckImports(service, OriginalType(component));
        var imports = OriginalType(component).Imports.Zip(verdicts, (item, v) => new ImportDescription(item.Name,
            v.Kind?.ToString().ToLowerInvariant(), v.Refusal,
            item.Exports.Where(e => e.Kind == ComponentItemKind.Func).Select(e => $"{e.Name}: {e.Function}").ToList())).ToList();
        return new PluginDescription(service, plugin, file, imports, DescribeExports(component.Type));
    }

    public override PluginDescription DescribeFile(string file, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        file = Path.GetFullPath(file);
        if (!File.Exists(file)) throw new PluginException(PluginErrorCode.PluginNotFound, $"no file \"{file}\"");
        var plugin = Path.GetFileNameWithoutExtension(file);
        service ??= new[] { Path.GetFileName(Path.GetDirectoryName(file)) ?? "", plugin }.FirstOrDefault(Names.IsValidService) ?? "local";
        return InFlight(() => DescribeComponent(service, plugin, file));
    }

    internal override WitFunctionType FunctionType(CallTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var plugin = InFlight(() => GetPlugin(target.Service, target.Plugin));
        return plugin.ExportType(target.InterfaceName, target.Function)
            ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{target.Service}:{target.Plugin}\" exports no function {target}; it exports: {string.Join(", ", DescribeExports(plugin).Select(e => e.Interface is null ? e.Function : $"{e.Interface}.{e.Function}"))}");
    }

    private static List<ExportDescription> DescribeExports(LoadedPlugin plugin) => DescribeExports(plugin.Component.Type);

    private static List<ExportDescription> DescribeExports(ComponentTypeInfo type)
    {
        var list = new List<ExportDescription>();
        foreach (var e in type.Exports)
        {
            if (e.Kind == ComponentItemKind.Func) list.Add(new ExportDescription(null, e.Name, e.Function!.ToString()));
            else if (e.Kind == ComponentItemKind.Instance)
                list.AddRange(e.Exports.Where(f => f.Kind == ComponentItemKind.Func).Select(f => new ExportDescription(e.Name, f.Name, f.Function!.ToString())));
        }
        return list;
    }

    /// <summary>How long <see cref="Dispose"/> waits for calls in flight before it gives up freeing native objects.</summary>
    private TimeSpan DrainLimit => Options.CallTimeout + TimeSpan.FromSeconds(30);

    /// <summary>
    /// Interrupts every call in flight (running wasm traps at once; waits for an instance end; new calls are refused),
    /// waits for them to return, then frees the native objects: none is freed while a native call may use it. A call
    /// blocked in the host past <see cref="DrainLimit"/> (a long SQLite busy wait, say) leaves them allocated, logged.
    /// </summary>
    public override void Dispose()
    {
        if (CallContext.Current is not null)
            throw new InvalidOperationException("the supervisor cannot be disposed from inside one of its own calls");
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var p in _plugins.Values)
            if (p.IsValueCreated) p.Value.Interrupt();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Volatile.Read(ref _active) > 0)
        {
            // Every deadline passes at once: a store re-armed since the last bump is stopped by the next.
            for (var i = 0; i <= (int)(Options.CallTimeout / Tick) + 2; i++) Engine.IncrementEpoch();
            if (_drained.Wait(TimeSpan.FromMilliseconds(10))) break;
            if (waited.Elapsed > DrainLimit)
            {
                _logger.LogError("{Count} plugin call(s) still ran {Seconds} s after the supervisor was disposed; its native objects are left allocated", Volatile.Read(ref _active), (int)waited.Elapsed.TotalSeconds);
                return;
            }
        }
        _callThreads?.Dispose();
        _ticker.Dispose();
        foreach (var p in _plugins.Values)
            if (p.IsValueCreated) p.Value.Dispose();
        _plugins.Clear();
        Engine.Dispose();
        foreach (var t in _resourceTypes) t.Dispose();
        _session.Dispose();
        if (_ownsStore) Store.Dispose();
    }
}

/// <summary>An operation of one or more calls, made by one app.</summary>
internal sealed class GroupedOperation : PluginOperation
{
    private readonly SupervisorHost _host;
    private readonly CallContext _context;

    public GroupedOperation(SupervisorHost host, string app, Operation operation)
    {
        _host = host;
        _context = new CallContext(app, operation, DateTime.UtcNow);
    }

    public override OperationState State => _context.Operation.State;

    public override object? Call(CallTarget target, IReadOnlyList<object?> args)
    {
        if (_context.Operation.State != OperationState.Active)
            throw new PluginException(PluginErrorCode.Unavailable, $"the operation has already {(_context.Operation.State == OperationState.Committed ? "completed" : "failed")}");
        object? result;
        try
        {
            result = _host.CallOutermost(_context, target, args);
        }
        catch (PluginException e) when (e.Code != PluginErrorCode.InvalidArguments && e.Code != PluginErrorCode.FunctionNotFound && e.Code != PluginErrorCode.InvalidTarget)
        {
            _context.Operation.Fail();
            throw;
        }
        catch (StorageException e)
        {
            _context.Operation.Fail();
            throw new PluginException(e.Code == StorageErrorCode.DeadlinePassed ? PluginErrorCode.Timeout : PluginErrorCode.Trap, $"call to {target} failed: {e.Message}", e);
        }
        if (result is WitResult { IsOk: false } err)
        {
            _context.Operation.Fail();
            throw new PluginException(PluginErrorCode.ErrorResult, $"{target} returned an error: {Describe(err.Value)}") { ErrorValue = err.Value };
        }
        return result;
    }

    private static string Describe(object? value) => value switch
    {
        null => "(no value)",
        string s => s,
        _ => value.ToString() ?? "",
    };

    public override void Complete()
    {
        try
        {
            _context.Operation.Commit();
        }
        catch (StorageException e)
        {
            throw new PluginException(PluginErrorCode.Unavailable, $"the operation could not commit: {e.Message}", e);
        }
    }

    public override void Fail() => _context.Operation.Fail();

    public override void Dispose() => _context.Operation.Dispose();
}
