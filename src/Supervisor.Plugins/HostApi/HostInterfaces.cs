using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.HostApi;

/// <summary>
/// The host interfaces of one supervisor, by name: each <see cref="IHostInterface"/> with the resource types it owns.
/// One host resource type per WIT resource, so a handle of one kind can never pass for another.
/// </summary>
internal sealed class HostInterfaces : IDisposable
{
    private readonly HostResourceType[] _resourceTypes;
    private readonly Dictionary<string, IHostInterface> _byName = new(StringComparer.Ordinal);

    public HostInterfaces(HostContext context)
    {
        HostResourceType kvDraft = new("wasi:keyvalue@0.2.0-draft bucket"), kvDraft2 = new("wasi:keyvalue@0.2.0-draft2 bucket"),
            cas = new("wasi:keyvalue@0.2.0-draft2 cas"), db = new("host:db bucket");
        _resourceTypes = [kvDraft, kvDraft2, cas, db];
        IHostInterface[] all =
        [
            new ClientDataHost(context),
            new ClientApiHost(context),
            new DbHost(context, db),
            new KeyValueHost(context, draft2: false, kvDraft, null),
            new KeyValueHost(context, draft2: true, kvDraft2, cas),
        ];
        foreach (var implementation in all)
            foreach (var name in implementation.Names)
                _byName.Add(name, implementation);
    }

    /// <summary>Every interface name implemented: the catalog's and the byte adapters'.</summary>
    public IReadOnlyCollection<string> Names => _byName.Keys;

    /// <summary>Defines the functions of interface <paramref name="name"/> that <paramref name="import"/> declares.</summary>
    public void Define(string name, ComponentItemInfo import, LinkerInstance li)
    {
        if (!_byName.TryGetValue(name, out var implementation))
            throw new InvalidOperationException($"host interface {name} is not implemented");
        implementation.Define(name, import, li);
    }

    public void Dispose()
    {
        foreach (var t in _resourceTypes) t.Dispose();
    }
}
