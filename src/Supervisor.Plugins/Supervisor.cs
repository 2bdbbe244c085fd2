using Supervisor.Plugins.Hosting;
using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>
/// One supervisor session: runs plugins from a plugin directory, gives each its private storage,
/// and keeps the call stack that plugins' identities come from. Safe for many threads; dispose
/// it to end the session (its session-duration data goes with it).
/// </summary>
public abstract class Supervisor : IDisposable
{
    /// <summary>Creates a supervisor; opens the store unless <see cref="SupervisorOptions.Store"/> is given.</summary>
    public static Supervisor Create(SupervisorOptions options)
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
    public abstract object? Call(CallTarget target, IReadOnlyList<object?> args, string? caller = null);

    /// <summary>Starts an operation grouping several calls; the app decides its outcome.</summary>
    public abstract PluginOperation BeginOperation(string? caller = null);

    /// <summary>Describes a plugin: its imports with the import check's verdict, and its exports.</summary>
    public abstract PluginDescription Describe(string service, string plugin = "plugin");

    /// <inheritdoc />
    public abstract void Dispose();
}

/// <summary>Several calls that commit or fail together.</summary>
public abstract class PluginOperation : IDisposable
{
    /// <summary>Active, committed or failed. A trap or an <c>err</c> result fails it.</summary>
    public abstract OperationState State { get; }

    /// <summary>Calls a plugin function within this operation.</summary>
    public abstract object? Call(CallTarget target, IReadOnlyList<object?> args);

    /// <summary>Calls a plugin function within this operation.</summary>
    public object? Call(string target, params object?[] args) => Call(CallTarget.Parse(target), args);

    /// <summary>Commits the operation's transactional writes.</summary>
    public abstract void Complete();

    /// <summary>Drops the operation's transactional and ephemeral writes.</summary>
    public abstract void Fail();

    /// <summary>Fails the operation if it was not completed.</summary>
    public abstract void Dispose();
}

/// <summary>What a plugin imports and exports.</summary>
/// <param name="Service">The service (identity).</param>
/// <param name="Plugin">The plugin name.</param>
/// <param name="File">The component file.</param>
/// <param name="Imports">Each import with the check's verdict.</param>
/// <param name="Exports">Each exported function with its WIT-like signature.</param>
public sealed record PluginDescription(string Service, string Plugin, string File, IReadOnlyList<ImportDescription> Imports, IReadOnlyList<ExportDescription> Exports)
{
    /// <summary>True when every import is allowed.</summary>
    public bool Allowed => Imports.All(i => i.Refusal is null);
}

/// <summary>One import of a plugin.</summary>
/// <param name="Name">The import name, e.g. <c>clientdata:plugin/keyvalue</c>.</param>
/// <param name="Kind"><c>host</c>, <c>wasi</c>, <c>plugin</c>, or null when refused.</param>
/// <param name="Refusal">Why it is refused, or null.</param>
/// <param name="Functions">Its functions with signatures.</param>
public sealed record ImportDescription(string Name, string? Kind, string? Refusal, IReadOnlyList<string> Functions);

/// <summary>One exported function.</summary>
/// <param name="Interface">The interface, or null for a top-level function.</param>
/// <param name="Function">The function name.</param>
/// <param name="Signature">Its WIT-like signature.</param>
public sealed record ExportDescription(string? Interface, string Function, string Signature);
