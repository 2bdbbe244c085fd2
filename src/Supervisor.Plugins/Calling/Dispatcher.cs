using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;
using Supervisor.Storage;

namespace Supervisor.Plugins.Calling;

/// <summary>
/// Runs calls: outermost calls from the app and nested calls from one plugin to another, each with the caller on the
/// call stack, under the outermost call's deadline, with the native stack checked before each entry; failures are
/// translated once (<see cref="CallFailures"/>). Holds each loaded plugin's instances.
/// </summary>
internal sealed class Dispatcher : IPluginForwarder, IDisposable
{
    /// <summary>The wasm stack of each store (Wasmtime's default, set explicitly so the native stack budget knows it).</summary>
    internal const int WasmStackBytes = 512 * 1024;

    /// <summary>Native stack each plugin call may use beside its wasm stack: the host frames between two stores (measured: about 6 KiB).</summary>
    internal const int HostFramesPerCall = 64 * 1024;

    /// <summary>Native stack kept free below the deepest call, for the host's own work (trap handling, logging).</summary>
    internal const int StackReserve = 256 * 1024;

    /// <summary>Wasmtime ticks the epoch this often; call deadlines are counted in ticks.</summary>
    internal static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(5);

    /// <summary>How many ticks guest code runs between checks for cancellation (100 ms).</summary>
    private const ulong SliceTicks = 20;

    static Dispatcher() => EpochDeadlines.Decide(OnEpochDeadline);

    private readonly ConcurrentDictionary<(string Service, string Plugin), Lazy<InstancePool>> _pools = new();
    private readonly SupervisorOptions _options;
    private readonly KeyValueStore _store;
    private readonly ConcurrentDictionary<string, bool> _modesAgreed = new(StringComparer.Ordinal);
    private readonly WasmtimeEngine _engine;
    private readonly PluginLoader _loader;
    private readonly CallGate _gate;
    private readonly CallFailures _failures;
    private CallThreads? _callThreads;

    public Dispatcher(SupervisorOptions options, KeyValueStore store, WasmtimeEngine engine, PluginLoader loader, CallGate gate, ILogger logger)
    {
        _options = options;
        _store = store;
        _engine = engine;
        _loader = loader;
        _gate = gate;
        _failures = new CallFailures(options, logger, gate);
    }

    /// <summary>Test hook: false runs every outermost call on the caller's thread, leaving only the check before each entry.</summary>
    internal bool UseCallThreads { get; set; } = true;

    /// <summary>The instances of <paramref name="service"/>:<paramref name="plugin"/>, loading it on first use; a failed load is not kept, so fixing the file and calling again works.</summary>
    public InstancePool Pool(string service, string plugin)
    {
        var lazy = _pools.GetOrAdd((service, plugin), k => new Lazy<InstancePool>(() =>
        {
            var started = Stopwatch.GetTimestamp();
            var pool = new InstancePool(_loader.Load(k.Service, k.Plugin, this), _options.MaxInstancesPerPlugin);
            Telemetry.Record(Telemetry.LoadDuration, started, Telemetry.Tag("plugin", k.Service));
            return pool;
        }));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _pools.TryRemove(new KeyValuePair<(string, string), Lazy<InstancePool>>((service, plugin), lazy));
            throw;
        }
    }

    /// <summary>Loads the target's plugin and finds the function's type.</summary>
    /// <exception cref="PluginException"><see cref="PluginErrorCode.FunctionNotFound"/> naming what the plugin exports.</exception>
    public ResolvedTarget Resolve(CallTarget target)
    {
        var pool = Pool(target.Service, target.Plugin);
        var componentType = pool.Plugin.Component.Type;
        var export = ExportAddressing.Resolve(componentType, target);
        var type = pool.Plugin.ExportType(export, target.Function)
            ?? throw new PluginException(PluginErrorCode.FunctionNotFound,
                $"plugin \"{target.Service}:{target.Plugin}\" exports no function {target}; it exports: {ExportAddressing.Listing(componentType, target.Service, target.Plugin)}");
        return new ResolvedTarget(target, export, pool, type);
    }

    /// <summary>Native stack a chain of <paramref name="depth"/> calls may need.</summary>
    private static long StackBudget(int depth) => (long)depth * (WasmStackBytes + HostFramesPerCall) + StackReserve;

    /// <summary>
    /// Runs an outermost call of an operation: on this thread when its stack has room for the longest chain of calls
    /// the target can start (one call for a plugin that imports no other plugin, else <see cref="SupervisorOptions.MaxCallDepth"/>),
    /// else on a thread sized for the longest chain (thread-pool threads have about 1.5 MiB).
    /// </summary>
    public object? CallOutermost(CallContext context, ResolvedTarget call, IReadOnlyList<object?> args) =>
        _gate.Run(() => CallOutermostOnAThread(context, call, args));

    /// <summary>Resolves <paramref name="target"/> and runs it as an outermost call (<see cref="CallOutermost(CallContext, ResolvedTarget, IReadOnlyList{object?})"/>).</summary>
    public object? CallOutermost(CallContext context, CallTarget target, IReadOnlyList<object?> args) =>
        _gate.Run(() => CallOutermostOnAThread(context, Resolve(target), args));

    private object? CallOutermostOnAThread(CallContext context, ResolvedTarget call, IReadOnlyList<object?> args)
    {
        if (CallState.Current is not null)
            throw new PluginException(PluginErrorCode.CallDepth, "a plugin call is already running on this thread; host code inside a call cannot start another operation");
        if (args.Count != call.Type.Parameters.Count) throw call.ArityError(args.Count);
        CheckArgumentSizes(call, args);
        var depth = call.Pool.Plugin.CallsPlugins ? _options.MaxCallDepth : 1;
        if (!UseCallThreads || NativeStack.Remaining() >= StackBudget(depth)) return CallOutermostHere(context, call, args);
        var threads = LazyInitializer.EnsureInitialized(ref _callThreads, () => new CallThreads(checked((int)(StackBudget(_options.MaxCallDepth) + 1024 * 1024))));
        try
        {
            return threads.Run(() => CallOutermostHere(context, call, args));
        }
        catch (InvalidOperationException) when (_gate.IsClosed)
        {
            throw CallFailures.Disposed();
        }
    }

    private object? CallOutermostHere(CallContext context, ResolvedTarget call, IReadOnlyList<object?> args)
    {
        context.Deadline = DateTime.UtcNow + _options.CallTimeout;
        context.Gate = _gate;
        if (context.Cancellation.IsCancellationRequested)
            throw new PluginException(PluginErrorCode.Cancelled, $"call to {call.Target} was cancelled before it started");
        context.Fault = null;
        context.HostError = null;
        CallState.Current = context;
        try
        {
            return Invoke(context, call, args);
        }
        finally
        {
            CallState.Current = null;
            StorageDeadline.Current = null;
        }
    }

    /// <summary>The app's arguments (a plugin's are bounded by Wasmtime's host-call fuel), checked before any is converted.</summary>
    private void CheckArgumentSizes(ResolvedTarget call, IReadOnlyList<object?> args)
    {
        var limit = _options.MaxArgumentBytes;
        for (var i = 0; i < args.Count; i++)
            if (ArgumentBytes(args[i], limit) is var size && size > limit)
                throw new PluginException(PluginErrorCode.InvalidArguments,
                    $"argument {i + 1} ({call.Type.Parameters[i].Name}: {call.Type.Parameters[i].Type}) of {call.Target} holds more than {limit} bytes ({size} counted so far); the limit is SupervisorOptions.MaxArgumentBytes");
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

    /// <summary>Calls a plugin function on behalf of the frame on top of <paramref name="context"/>'s stack.</summary>
    private object? Invoke(CallContext context, ResolvedTarget call, IReadOnlyList<object?> args)
    {
        var target = call.Target;
        // A span per call, nested under the calling plugin's; names and codes only, never arguments or values.
        // Tags given at the start, so samplers and listeners see them; the parent is the calling plugin's span, if any.
        using var activity = Telemetry.Source.HasListeners()
            ? Telemetry.Source.StartActivity($"call {target}", ActivityKind.Internal, default(ActivityContext),
                [new("supervisor.plugin", target.Service), new("supervisor.function", target.ToString()), new("supervisor.app", context.App)])
            : null;
        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            var result = InvokeCore(context, call, args);
            if (result is WitResult { IsOk: false }) outcome = "err";
            return result;
        }
        catch (PluginException e)
        {
            outcome = e.Code.ToString();
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
            throw;
        }
        finally
        {
            if (Telemetry.Calls.Enabled)
                Telemetry.Calls.Add(1, Telemetry.Tag("plugin", target.Service), Telemetry.Tag("function", target.ToString()), Telemetry.Tag("outcome", outcome));
            if (Telemetry.CallDuration.Enabled)
                Telemetry.CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Telemetry.Tag("plugin", target.Service), Telemetry.Tag("outcome", outcome));
        }
    }

    private object? InvokeCore(CallContext context, ResolvedTarget call, IReadOnlyList<object?> args)
    {
        var target = call.Target;
        var left = NativeStack.Remaining();
        if (left < StackBudget(1))
            throw new PluginException(PluginErrorCode.CallDepth,
                $"call to {target} could need {StackBudget(1) / 1024} KiB of native stack ({WasmStackBytes / 1024} KiB of wasm stack, host frames and a reserve), " +
                $"but this thread has {left / 1024} KiB left at call depth {context.Frames.Count} ({context.StackWith(target.Service)})");
        if (context.Frames.Count >= _options.MaxCallDepth)
            throw new PluginException(PluginErrorCode.CallDepth, $"call to {target} would make the call stack {context.Frames.Count + 1} deep; the limit is {_options.MaxCallDepth}");
        if (context.Frames.Any(f => f.Service == target.Service))
            throw new PluginException(PluginErrorCode.CallDepth,
                $"call to {target} re-enters plugin \"{target.Service}\", which is already on the call stack ({context.StackWith(target.Service)})");

        var concurrent = _options.ConcurrentPlugins.Contains(target.Service);
        AgreeTurnMode(target, concurrent);
        if (!concurrent)
        {
            var waited = Stopwatch.GetTimestamp();
            EnterTurn(context, target);
            Telemetry.Record(Telemetry.TurnWait, waited, Telemetry.Tag("plugin", target.Service));
        }

        // The frame goes on the stack before the instance is made: code that runs while the plugin is being
        // instantiated (a core start function) must never act under the identity of the frame below it.
        context.Frames.Add(new Frame(target.Service, target, Instantiating: true));
        PluginInstance? instance = null;
        try
        {
            var waited = Stopwatch.GetTimestamp();
            instance = call.Pool.Rent(context.Deadline, context.Cancellation, () => NewInstance(call.Pool.Plugin, context.Deadline));
            Telemetry.Record(Telemetry.InstanceWait, waited, Telemetry.Tag("plugin", target.Service));
            context.Frames[^1] = context.Frames[^1] with { Instantiating = false };
            var function = instance.Function(call.Export, target.Function)
                ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{target.Service}\" exports no function {target}");
            instance.Stderr.Clear();
            var type = call.Type;
            return RunWithDeadline(instance.Store, context.Deadline, () => function.Invoke(args, (i, e) => new PluginException(PluginErrorCode.InvalidArguments,
                $"argument {i + 1} ({type.Parameters[i].Name}: {type.Parameters[i].Type}) of {target}: {e.Message}", e)));
        }
        catch (WasmtimeException e)
        {
            throw _failures.Translate(context, target, e, instantiating: instance is null ? call.Pool.Plugin.Limits : null, stderr: instance?.Stderr.Text());
        }
        finally
        {
            context.Frames.RemoveAt(context.Frames.Count - 1);
            if (instance is not null) call.Pool.Return(instance);
        }
    }

    /// <summary>
    /// Checks, once per plugin, that the store records the same turn mode as this supervisor's options, recording it when
    /// this is the first process to call the plugin (PDP-TURN-8): a process taking turns beside one that takes none
    /// would void the guarantee, so the one that disagrees is refused. A disagreement is checked again at the next call.
    /// </summary>
    private void AgreeTurnMode(CallTarget target, bool concurrent)
    {
        if (_modesAgreed.ContainsKey(target.Service)) return;
        var mine = concurrent ? TurnMode.Concurrent : TurnMode.Serialized;
        TurnMode recorded;
        try
        {
            recorded = _store.ClaimTurnMode(_options.ChainId, target.Service, mine);
        }
        catch (StorageException e)
        {
            throw new PluginException(PluginErrorCode.Unavailable, $"call to {target}: the plugin's turn mode could not be read from the store: {e.Message}", e);
        }
        if (recorded != mine)
        {
            var service = target.Service;
            throw new PluginException(PluginErrorCode.TurnModeConflict, concurrent
                ? $"call to {target}: this store records that plugin \"{service}\" takes turns (the first process to call it did not name it in " +
                  $"ConcurrentPlugins), but this supervisor names it there; processes that disagree would void the turns' guarantee. Remove " +
                  $"\"{service}\" from ConcurrentPlugins (--concurrent-plugin), or, while no process uses the plugin, record the new mode: " +
                  $"supervisor storage turn-mode {service} concurrent"
                : $"call to {target}: this store records that plugin \"{service}\" runs without turns (the first process to call it named it in " +
                  $"ConcurrentPlugins), but this supervisor does not; processes that disagree would void the turns' guarantee. Name " +
                  $"\"{service}\" in ConcurrentPlugins (--concurrent-plugin {service}), or, while no process uses the plugin, record the new mode: " +
                  $"supervisor storage turn-mode {service} serialized");
        }
        _modesAgreed.TryAdd(target.Service, true);
    }

    /// <summary>Takes the turn of the target's plugin for the context's operation (kept until it ends); waiting counts against the call's time limit.</summary>
    private void EnterTurn(CallContext context, CallTarget target)
    {
        try
        {
            context.Turns.Enter(_options.ChainId, target.Service, context.Deadline, context.Cancellation);
        }
        catch (OperationCanceledException e)
        {
            throw new PluginException(PluginErrorCode.Cancelled, $"call to {target} was cancelled while it waited for the plugin's turn", e);
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Deadlock)
        {
            throw new PluginException(PluginErrorCode.Deadlock, $"call to {target}: {e.Message}", e);
        }
        catch (StorageException e) when (e.Code is StorageErrorCode.DeadlinePassed or StorageErrorCode.OperationEnded)
        {
            throw new PluginException(PluginErrorCode.Timeout, $"call to {target}: {e.Message}", e);
        }
        catch (Exception e) when (e is not PluginException)
        {
            throw _failures.TurnFailed(target, e);
        }
    }

    private PluginInstance NewInstance(LoadedPlugin plugin, DateTime deadline)
    {
        var instance = new PluginInstance(plugin, _engine, _options.ChainId, _options.MemoryLimitBytes, _options.MaxOpenBuckets);
        try
        {
            instance.Store.DecideAtEpochDeadlines();
            RunWithDeadline(instance.Store, deadline, () =>
            {
                instance.Instantiate();
                return 0;
            });
            return instance;
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> in <paramref name="store"/> with an epoch deadline at <paramref name="deadline"/>.</summary>
    private T RunWithDeadline<T>(ComponentStore store, DateTime deadline, Func<T> action)
    {
        if (_gate.IsClosed) throw CallFailures.Disposed();
        // Storage waits (another writer's lock) end at the call's deadline too, not at the backend's own timeout.
        StorageDeadline.Current = deadline;
        if (deadline - DateTime.UtcNow <= TimeSpan.Zero) throw _failures.TimeLimitPassed();
        store.SetEpochDeadline(DeadlineTicks(deadline));
        return action();
    }

    /// <summary>
    /// The epoch deadline to give a store: the call's time limit, but at most <see cref="SliceTicks"/> away, so a
    /// cancellation is seen within a slice (<see cref="OnEpochDeadline"/> decides at each).
    /// </summary>
    private ulong DeadlineTicks(DateTime deadline) => _gate.IsClosed ? 1 : TicksLeft(deadline) ?? 1;

    /// <summary>At a store's epoch deadline: ticks more for the running call, or null to stop it (time up, cancelled, disposed).</summary>
    private static ulong? OnEpochDeadline() =>
        CallState.Current is CallContext { Gate.IsClosed: false } context && !context.Cancellation.IsCancellationRequested ? TicksLeft(context.Deadline) : null;

    /// <summary>Ticks until <paramref name="deadline"/>, at most <see cref="SliceTicks"/>; null once it has passed.</summary>
    private static ulong? TicksLeft(DateTime deadline)
    {
        var remaining = deadline - DateTime.UtcNow;
        return remaining <= TimeSpan.Zero ? null : Math.Min((ulong)Math.Ceiling(remaining / Tick) + 1, SliceTicks);
    }

    /// <summary>
    /// Links an imported function of another plugin through the dispatcher, so the callee runs in its own instance
    /// with the caller pushed on the call stack.
    /// </summary>
    void IPluginForwarder.Define(LinkerInstance li, string caller, string interfaceName, string export, string function, WitFunctionType importType)
    {
        // The import check (ImportPolicy) resolved the export the import names; the function is checked when called.
        var target = CallTarget.Parse($"{interfaceName}.{function}");
        // Resource handles belong to the store that made them; they cannot cross to another plugin.
        var crossesHandles = importType.ToString().Contains("own<", StringComparison.Ordinal) || importType.ToString().Contains("borrow<", StringComparison.Ordinal);
        li.AddFunction(function, (in HostCall hostCall) =>
        {
            // The same caller check as every host function: the calling store's plugin is the one on top of the stack.
            var context = (CallContext)HostFunctions.Enter(hostCall).Call;
            try
            {
                // Loading (a first compile can take seconds) does not count against the call's time limit.
                var loadStarted = Stopwatch.GetTimestamp();
                var pool = Pool(target.Service, target.Plugin);
                context.Deadline += Stopwatch.GetElapsedTime(loadStarted);
                var calleeType = pool.Plugin.ExportType(export, target.Function)
                    ?? throw new PluginException(PluginErrorCode.FunctionNotFound, $"plugin \"{caller}\" imports {target}, which plugin \"{target.Service}\" does not export in {export}");
                if (crossesHandles)
                    throw new PluginException(PluginErrorCode.ImportRefused,
                        $"plugin \"{caller}\" imports {target} as {importType}: resource handles cannot be passed between plugins");
                if (calleeType.ToString() != importType.ToString())
                    throw new PluginException(PluginErrorCode.ImportRefused,
                        $"plugin \"{caller}\" imports {target} as {importType}, but plugin \"{target.Service}\" exports it as {calleeType}");
                var args = new object?[hostCall.Args.Length];
                for (var i = 0; i < args.Length; i++) args[i] = ManagedValues.ToManaged(hostCall.Args[i], importType.Parameters[i].Type, hostCall.Context);
                var result = Invoke(context, new ResolvedTarget(target, export, pool, calleeType), args);
                // The callee may have loaded plugins and moved the deadline: give the caller's store the new one.
                hostCall.Store.SetEpochDeadline(DeadlineTicks(context.Deadline));
                if (importType.Result is not null) ManagedValues.FromManaged(ref hostCall.Results[0], importType.Result, result, hostCall.Context);
            }
            catch (PluginException e)
            {
                context.Fault ??= e;
                throw;
            }
        });
    }

    /// <summary>Ends every wait for an instance (the supervisor is being disposed).</summary>
    public void Interrupt()
    {
        foreach (var p in _pools.Values)
            if (p.IsValueCreated) p.Value.Interrupt();
    }

    /// <summary>
    /// Bumps the epoch past every deadline, so running wasm reaches its deadline at once and is stopped (the gate is
    /// closed). No store's deadline is more than <see cref="SliceTicks"/> away, however long the time limit.
    /// </summary>
    public void InterruptRunning()
    {
        for (var i = 0UL; i <= SliceTicks + 1; i++) _engine.IncrementEpoch();
    }

    public void Dispose()
    {
        _callThreads?.Dispose();
        foreach (var p in _pools.Values)
            if (p.IsValueCreated) p.Value.Dispose();
        _pools.Clear();
    }
}
