using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Loading;

/// <summary>
/// Defines an imported function of another plugin as a host function that calls it: implemented by the calling stage,
/// which owns the call stack, so the linker never reaches up to it.
/// </summary>
internal interface IPluginForwarder
{
    /// <summary>
    /// Defines <paramref name="function"/> of the imported <paramref name="interfaceName"/> on <paramref name="li"/>, imported by
    /// plugin <paramref name="caller"/> as <paramref name="importType"/>; the callee exports it in <paramref name="export"/>.
    /// </summary>
    void Define(LinkerInstance li, string caller, string interfaceName, string export, string function, WitFunctionType importType);
}
