using Supervisor.Plugins.Hosting;
using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>
/// One supervisor session: runs plugins from a plugin directory, gives each its private storage,
/// and keeps the call stack that plugins' identities come from. Safe for many threads; dispose
/// it to end the session (its session-duration data goes with it).
/// </summary>
public abstract class PluginSupervisor : IDisposable
{
    /// <summary>Creates a supervisor; opens the store unless <see cref="SupervisorOptions.Store"/> is given.</summary>
    public static PluginSupervisor Create(SupervisorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SupervisorHost(options);
    }

    /// <summary>The storage engine plugins' data lives in.</summary>
    public abstract KeyValueStore Store { get; }

    /// <summary>The chain id records are kept under.</summary>
    public abstract string ChainId { get; }

    /// <summary>Calls <c>service:plugin/interface.function</c> as one operation made by the default caller.</summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    public object? Call(string target, params object?[] args) => Call(CallTarget.Parse(target), args);

    /// <summary>
    /// Calls a plugin function as one operation made by <paramref name="caller"/> (default
    /// <see cref="SupervisorOptions.DefaultCaller"/>). Arguments are plain .NET values checked against
    /// the function's WIT type: string, bool, integers, floats, <c>byte[]</c> for <c>list&lt;u8&gt;</c>,
    /// lists, null or a value for options, dictionaries for records, arrays for tuples.
    /// </summary>
    public object? Call(CallTarget target, IReadOnlyList<object?> args, string? caller = null) => CallCore(target, args, caller, CancellationToken.None);

    /// <summary>
    /// Calls a plugin function as one operation on a thread-pool thread (see <see cref="Call(CallTarget, IReadOnlyList{object?}, string?)"/>).
    /// Cancelling <paramref name="cancellationToken"/> stops the plugin where it runs (within about 100 ms), ends a wait for
    /// an instance or for the plugin's turn, and fails the operation.
    /// </summary>
    /// <exception cref="PluginException">The call failed; its operation was failed.</exception>
    /// <exception cref="OperationCanceledException">The call was cancelled; its operation was failed (the inner exception says where it stopped).</exception>
    public Task<object?> CallAsync(CallTarget target, IReadOnlyList<object?> args, string? caller = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        return RunAsync(() => CallCore(target, args, caller, cancellationToken), cancellationToken);
    }

    /// <summary>Calls <c>service:plugin/interface.function</c> asynchronously (<see cref="CallAsync(CallTarget, IReadOnlyList{object?}, string?, CancellationToken)"/>).</summary>
    public Task<object?> CallAsync(string target, IReadOnlyList<object?> args, CancellationToken cancellationToken = default) =>
        CallAsync(CallTarget.Parse(target), args, null, cancellationToken);

    /// <summary>The JSON call (<see cref="CallJson"/>) on a thread-pool thread, cancellable as <see cref="CallAsync(CallTarget, IReadOnlyList{object?}, string?, CancellationToken)"/>.</summary>
    public Task<System.Text.Json.Nodes.JsonNode?> CallJsonAsync(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller = null,
        ByteListFormat bytes = ByteListFormat.Base64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        return RunAsync(() => CallJsonCore(target, args, caller, bytes, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Calls a plugin function and maps its result to <typeparamref name="T"/> (PDP-ARGS-4): WIT records to .NET
    /// records or classes by field name (<c>field-name</c> to <c>FieldName</c>), lists to arrays or lists, options to
    /// nullables, enums and flags to .NET enums, variants to an abstract type with a nested subtype per case, tuples to
    /// value tuples, maps to dictionaries. A <c>result</c> maps to <see cref="PluginResult{TValue, TError}"/>, which
    /// holds an <c>err</c> too (the operation still failed); any other <typeparamref name="T"/> takes the <c>ok</c>
    /// payload, and an <c>err</c> throws <see cref="PluginErrorCode.ErrorResult"/>.
    /// </summary>
    /// <exception cref="PluginException">The call failed, or <see cref="PluginErrorCode.ResultMismatch"/>: the result does
    /// not fit <typeparamref name="T"/> (the message names the field and both types; the call itself completed).</exception>
    public T Call<T>(CallTarget target, IReadOnlyList<object?> args, string? caller = null) => CallTyped<T>(target, () => Call(target, args, caller));

    /// <summary>Calls <c>service:plugin/interface.function</c> and maps its result to <typeparamref name="T"/> (<see cref="Call{T}(CallTarget, IReadOnlyList{object?}, string?)"/>).</summary>
    public T Call<T>(string target, params object?[] args) => Call<T>(CallTarget.Parse(target), args);

    /// <summary>The typed call (<see cref="Call{T}(CallTarget, IReadOnlyList{object?}, string?)"/>) on a thread-pool thread, cancellable.</summary>
    public Task<T> CallAsync<T>(CallTarget target, IReadOnlyList<object?> args, string? caller = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        return RunAsync(() => CallTyped<T>(target, () => CallCore(target, args, caller, cancellationToken)), cancellationToken);
    }

    private T CallTyped<T>(CallTarget target, Func<object?> call)
    {
        ArgumentNullException.ThrowIfNull(target);
        var type = FunctionType(target).Result;
        object? result;
        try
        {
            result = call();
        }
        catch (PluginException e) when (e.Code == PluginErrorCode.ErrorResult && type is Interop.WitResultType && Typed.TypedValues.IsPluginResult(typeof(T)))
        {
            result = new WitResult(false, e.ErrorValue);
        }
        if (type is null)
            return typeof(T) == typeof(object) ? default! : throw new PluginException(PluginErrorCode.ResultMismatch, $"{target} returns nothing; call it without a type");
        return (T)Typed.TypedValues.Convert(result, type, typeof(T), "")!;
    }

    /// <summary>
    /// Compiles and loads every plugin of the plugin directory (from the compile cache when it holds them), once per
    /// supervisor (started at creation when <see cref="SupervisorOptions.WarmUp"/> is on); returns the plugins that
    /// failed to load, <c>service:plugin</c> to the reason. Waiting is cancellable; the warm-up itself goes on.
    /// </summary>
    public abstract Task<IReadOnlyDictionary<string, string>> WarmUpAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a call on the thread pool; a cancellation the plugin layer reports becomes .NET's
    /// <see cref="OperationCanceledException"/>, carrying the token and, inside, where the call stopped. (The token is not
    /// given to <c>Task.Run</c>: a task cancelled through it would drop that exception.)
    /// </summary>
    internal static Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken) => Task.Run(() =>
    {
        try
        {
            return call();
        }
        catch (PluginException e) when (e.Code == PluginErrorCode.Cancelled)
        {
            throw new OperationCanceledException(e.Message, e, cancellationToken);
        }
    });

    /// <summary>One call as its own operation, cancellable.</summary>
    internal abstract object? CallCore(CallTarget target, IReadOnlyList<object?> args, string? caller, CancellationToken cancellation);

    /// <summary>
    /// Opens a session of its own (PDP-SESSION-2): its calls share session-duration data no other session sees, ended
    /// when it is disposed. Open one per user or client of a web app; <see cref="ServiceCollectionExtensions.AddSupervisor(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{SupervisorOptions})"/>
    /// registers a scoped <see cref="PluginSession"/> that does so per request scope.
    /// </summary>
    public abstract PluginSession OpenSession();

    /// <summary>Starts an operation grouping several calls; the app decides its outcome.</summary>
    public abstract PluginOperation BeginOperation(string? caller = null);

    /// <summary>Describes a plugin: its imports with the import check's verdict, and its exports.</summary>
    public abstract PluginDescription Describe(string service, string plugin = "plugin");

    /// <summary>
    /// Describes a component file anywhere (compiled, not run): imports judged as if it were
    /// <paramref name="service"/>'s plugin (default: the file's folder name when that is a valid
    /// service name, else its file name, else <c>local</c>), with other plugins looked up in the plugin directory.
    /// </summary>
    public abstract PluginDescription DescribeFile(string file, string? service = null);

    /// <summary>The WIT signature of a plugin function; loads (compiles) the plugin if needed.</summary>
    /// <exception cref="PluginException">No such plugin or function, or the plugin cannot be loaded.</exception>
    public FunctionSignature GetSignature(CallTarget target) => JsonCalls.Signature(target, FunctionType(target));

    /// <summary>
    /// Calls a plugin function with JSON arguments mapped to its parameters' WIT types, as one operation;
    /// returns the result as JSON (null also for a function without a result: see <see cref="GetSignature"/>).
    /// Mapping: string, bool, integers, floats (also "NaN", "Infinity", "-Infinity"), char as a one-character
    /// string, list as an array, <c>list&lt;u8&gt;</c> as an array or a string (see <paramref name="bytes"/>),
    /// option as null or the value, result as <c>{"ok":..}</c> / <c>{"err":..}</c>, record as an object, tuple as
    /// an array, enum as a string, variant as <c>{"tag":..,"val":..}</c>, flags as an array of names.
    /// </summary>
    /// <exception cref="PluginException">The call failed. <see cref="PluginErrorCode.InvalidArguments"/> names the
    /// parameter and its WIT type; for <see cref="PluginErrorCode.ErrorResult"/>, <see cref="PluginException.ErrorValue"/>
    /// is the result as a <see cref="System.Text.Json.Nodes.JsonNode"/> (<c>{"err": ...}</c>).</exception>
    public System.Text.Json.Nodes.JsonNode? CallJson(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller = null,
        ByteListFormat bytes = ByteListFormat.Base64) => CallJsonCore(target, args, caller, bytes, CancellationToken.None);

    /// <summary>
    /// Calls a plugin function written in WAVE, Wasmtime's value syntax: <c>notes:plugin/api.add("hello")</c>; strings
    /// in double quotes, chars in single, lists <c>[1, 2]</c>, tuples <c>(1, "a")</c>, records <c>{id: 1, text: "x"}</c>,
    /// options <c>some(1)</c>/<c>none</c> (or the bare value), results <c>ok(..)</c>/<c>err(..)</c>, enums and
    /// variant cases by name (<c>days(30)</c>), flags <c>{read, write}</c>; trailing <c>none</c> arguments may be
    /// left out. Returns the result in WAVE, or null for a function without one.
    /// </summary>
    /// <exception cref="PluginException">The call failed; <see cref="PluginErrorCode.InvalidArguments"/> names the argument,
    /// its type and the column. For <see cref="PluginErrorCode.ErrorResult"/>, <see cref="PluginException.ErrorValue"/> is
    /// the result in WAVE (<c>err("no note 7")</c>).</exception>
    public string? CallWave(string call, string? caller = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (targetText, argumentText) = Json.Wave.SplitCall(call);
        var target = CallTarget.Parse(targetText);
        var type = FunctionType(target);
        var args = Json.Wave.ParseArguments(argumentText, type, target)
            .Select(node => System.Text.Json.JsonSerializer.SerializeToElement(node)).ToList();
        try
        {
            var result = CallJsonCore(target, args, caller, ByteListFormat.Array, CancellationToken.None);
            return type.Result is null ? null : Json.Wave.Format(result, type.Result);
        }
        catch (PluginException e) when (e.Code == PluginErrorCode.ErrorResult && e.ErrorValue is System.Text.Json.Nodes.JsonNode err && type.Result is not null)
        {
            throw new PluginException(e.Code, e.Message, e) { ErrorValue = Json.Wave.Format(err, type.Result) };
        }
    }

    /// <summary>The JSON call: the target resolved once, the arguments converted to its types, then called.</summary>
    internal abstract System.Text.Json.Nodes.JsonNode? CallJsonCore(CallTarget target, IReadOnlyList<System.Text.Json.JsonElement> args, string? caller, ByteListFormat bytes,
        CancellationToken cancellation);

    /// <summary>The type of an exported function; throws <see cref="PluginErrorCode.FunctionNotFound"/> when absent.</summary>
    internal abstract Interop.WitFunctionType FunctionType(CallTarget target);

    /// <inheritdoc />
    public abstract void Dispose();
}
