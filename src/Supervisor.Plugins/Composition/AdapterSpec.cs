namespace Supervisor.Plugins.Composition;

/// <summary>
/// One adapted interface: the plugin imports <paramref name="Interface"/>; the adapter <paramref name="Component"/>
/// (importing <paramref name="Resource"/> when the methods belong to a resource, and one
/// <c>supervisor:adapter/*</c> interface, imported by the outer component as <paramref name="HostInterface"/>)
/// exports the functions <paramref name="Methods"/> maps the plugin's function names to.
/// </summary>
internal sealed record AdapterSpec(string Interface, string HostInterface, byte[] Component, IReadOnlyDictionary<string, string> Methods, string? Resource);
