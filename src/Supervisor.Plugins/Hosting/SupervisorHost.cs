using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Supervisor.Plugins.Calling;
using Supervisor.Plugins.HostApi;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Loading;
using Supervisor.Storage;

namespace Supervisor.Plugins.Hosting;

/// <summary>
/// The supervisor as its stages put together: the store and session, the engine and its epoch ticker, the host
/// interfaces (<see cref="HostApi"/>), the loader (<see cref="Loading"/>) and the dispatcher (<see cref="Calling"/>).
/// It owns them and disposes them in order; the work is theirs.
/// </summary>
internal sealed class SupervisorHost : PluginSupervisor
{
    private const string WasmtimeVersion = "50.0.1";

    private readonly StorageSession _session;
    private readonly bool _ownsStore;
    private readonly ILogger _logger;
    private readonly CallGate _gate;
    private readonly EpochTicker _ticker = null!;
    private readonly HostInterfaces _hostApi = null!;
    private readonly PluginLoader _loader = null!;
    private readonly IDisposable _storageUsage = null!;
    private long _operations;

    public SupervisorHost(SupervisorOptions options)
    {
        Options = options;
        _logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Supervisor");
        _gate = new CallGate(this);
        var directory = new PluginDirectory(options.PluginDirectory);
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
            Engine = new WasmtimeEngine(new EngineOptions { MaxWasmStack = Dispatcher.WasmStackBytes });
            var fingerprint = $"wasmtime {WasmtimeVersion}; {Engine.Options}; {Environment.OSVersion.Platform} {System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}";
            _ticker = new EpochTicker(Engine, Dispatcher.Tick);
            HostContext = new HostContext(options.ChainId, Store.Limits, _logger, options.RootDomain);
            _hostApi = new HostInterfaces(HostContext);
            var cache = options.CacheDirectory is { } cacheDir ? CompileCache.Open(cacheDir, CompileCache.DefaultSecretFile(cacheDir), _logger) : null;
            var compiler = new PluginCompiler(Engine, fingerprint, options.ByteAdapter, options.MaxPluginFileBytes, cache, _logger);
            _loader = new PluginLoader(directory, compiler, Engine, _hostApi);
            Dispatcher = new Dispatcher(options, Store, Engine, _loader, _gate, _logger);
            _storageUsage = Telemetry.WatchStorage(Store, options.ChainId);
            // Started here, awaited by whoever asks (WarmUpAsync, the health check); failures are logged and reported.
            if (options.WarmUp) _ = WarmUpAsync();
        }
        catch
        {
            if (_ownsStore) Store.Dispose();
            throw;
        }
    }

    public SupervisorOptions Options { get; }

    public WasmtimeEngine Engine { get; } = null!;

    /// <summary>What the host interfaces know of this supervisor (tests reach its hooks here).</summary>
    internal HostContext HostContext { get; } = null!;

    internal Dispatcher Dispatcher { get; } = null!;

    public override KeyValueStore Store { get; }

    public override string ChainId => Options.ChainId;

    /// <summary>The loaded plugin (loading it on first use).</summary>
    internal LoadedPlugin GetPlugin(string service, string plugin) => _gate.Run(() => Dispatcher.Pool(service, plugin).Plugin);

    internal override object? CallCore(CallTarget target, IReadOnlyList<object?> args, string? caller, CancellationToken cancellation) =>
        CallIn(_session, target, args, caller, cancellation);

    public override PluginSession OpenSession()
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        return new UserSession(this, Store.OpenSession());
    }

    /// <summary>One call as its own operation over <paramref name="session"/>'s session-duration data.</summary>
    internal object? CallIn(StorageSession session, CallTarget target, IReadOnlyList<object?> args, string? caller, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var op = Begin(caller, session);
        op.Cancellation = cancellation;
        var result = op.Call(target, args);
        op.Complete();
        return result;
    }

    public override PluginOperation BeginOperation(string? caller = null) => Begin(caller, _session);

    private Task<IReadOnlyDictionary<string, string>>? _warmUp;

    public override Task<IReadOnlyDictionary<string, string>> WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        var warmUp = LazyInitializer.EnsureInitialized(ref _warmUp, () => Task.Run(WarmUpAll));
        return warmUp.WaitAsync(cancellationToken);
    }

    private IReadOnlyDictionary<string, string> WarmUpAll()
    {
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (service, plugin, _) in _loader.Directory.Enumerate())
        {
            if (_gate.IsClosed) break;
            try
            {
                _gate.Run(() => Dispatcher.Pool(service, plugin));
            }
            catch (Exception e) when (e is PluginException or ObjectDisposedException)
            {
                failures[$"{service}:{plugin}"] = e.Message;
                _logger.LogWarning("warm-up: plugin {Service}:{Plugin} did not load: {Reason}", service, plugin, e.Message);
            }
        }
        return failures;
    }

    internal GroupedOperation Begin(string? caller, StorageSession session)
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        var app = caller ?? Options.DefaultCaller;
        if (!Names.IsValidService(app))
            throw new PluginException(PluginErrorCode.InvalidTarget, $"caller \"{app}\" is not a valid psibase account name");
        var number = Interlocked.Increment(ref _operations);
        return new GroupedOperation(Dispatcher, app, session.BeginOperation(), Store.NewTurnHolder($"operation {number} (app \"{app}\")", Options.MaxTurnHold));
    }

    internal override JsonNode? CallJsonCore(CallTarget target, IReadOnlyList<JsonElement> args, string? caller, ByteListFormat bytes, CancellationToken cancellation) =>
        CallJsonIn(_session, target, args, caller, bytes, cancellation);

    /// <summary>The JSON call in <paramref name="session"/> (the supervisor's own, or a <see cref="UserSession"/>'s).</summary>
    internal JsonNode? CallJsonIn(StorageSession session, CallTarget target, IReadOnlyList<JsonElement> args, string? caller, ByteListFormat bytes, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        return _gate.Run(() =>
        {
            var resolved = Dispatcher.Resolve(target);
            var values = JsonCalls.FromJson(resolved, args, bytes, Options.MaxArgumentBytes);
            using var op = Begin(caller, session);
            op.Cancellation = cancellation;
            object? result;
            try
            {
                result = op.Call(resolved, values);
            }
            catch (PluginException e) when (e.Code == PluginErrorCode.ErrorResult && resolved.Type.Result is WitResultType)
            {
                // The err payload as JSON ({"err": ...}), so a caller that speaks JSON can show it.
                throw new PluginException(e.Code, e.Message, e) { ErrorValue = JsonCalls.ResultToJson(new WitResult(false, e.ErrorValue), resolved.Type, bytes) };
            }
            op.Complete();
            return JsonCalls.ResultToJson(result, resolved.Type, bytes);
        });
    }

    public override PluginDescription Describe(string service, string plugin = "plugin") =>
        _gate.Run(() => _loader.Describe(service, plugin, _loader.Directory.Resolve(service, plugin)));

    public override PluginDescription DescribeFile(string file, string? service = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        file = Path.GetFullPath(file);
        if (!File.Exists(file)) throw new PluginException(PluginErrorCode.PluginNotFound, $"no file \"{file}\"");
        var plugin = Path.GetFileNameWithoutExtension(file);
        service ??= new[] { Path.GetFileName(Path.GetDirectoryName(file)) ?? "", plugin }.FirstOrDefault(Names.IsValidService) ?? "local";
        return _gate.Run(() => _loader.Describe(service, plugin, file));
    }

    internal override WitFunctionType FunctionType(CallTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return _gate.Run(() => Dispatcher.Resolve(target).Type);
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
        if (CallState.Current is not null)
            throw new InvalidOperationException("the supervisor cannot be disposed from inside one of its own calls");
        if (!_gate.Close()) return;
        _storageUsage.Dispose();
        Dispatcher.Interrupt();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (_gate.Active > 0)
        {
            // Every deadline passes at once: a store re-armed since the last bump is stopped by the next.
            Dispatcher.InterruptRunning();
            if (_gate.WaitDrained(TimeSpan.FromMilliseconds(10))) break;
            if (waited.Elapsed > DrainLimit)
            {
                _logger.LogError("{Count} plugin call(s) still ran {Seconds} s after the supervisor was disposed; its native objects are left allocated", _gate.Active, (int)waited.Elapsed.TotalSeconds);
                return;
            }
        }
        Dispatcher.Dispose();
        _loader.Dispose();
        _ticker.Dispose();
        Engine.Dispose();
        _hostApi.Dispose();
        _session.Dispose();
        if (_ownsStore) Store.Dispose();
    }
}
