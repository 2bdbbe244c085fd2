using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Defines an imported function of another plugin as a host function that calls it: implemented by the calling stage,
/// which owns the call stack, so the linker never reaches up to it.
/// </summary>
internal interface IPluginForwarder
{
    /// <summary>Defines <paramref name="function"/> of <paramref name="interfaceName"/> on <paramref name="li"/>, imported by plugin <paramref name="caller"/> as <paramref name="importType"/>.</summary>
    void Define(LinkerInstance li, string caller, string interfaceName, string function, WitFunctionType importType);
}
