using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.HostApi;

/// <summary>One family of host interfaces (a WIT interface and its versions or older names, and its byte-adapter twin).</summary>
internal interface IHostInterface
{
    /// <summary>The interface names it implements: names of <see cref="HostCatalog"/> and of the byte adapters' host interfaces.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>Defines, on <paramref name="li"/>, the functions the guest imports from interface <paramref name="name"/> (<paramref name="import"/>).</summary>
    void Define(string name, ComponentItemInfo import, LinkerInstance li);
}
