using Supervisor.Plugins.Hosting;

namespace Supervisor.Plugins.Tests.Composition;

/// <summary>Values and checks the byte adapter's tests share.</summary>
internal static class AdapterTestValues
{
    /// <summary>Every byte value, <paramref name="repeat"/> times over, in an order that also varies the neighbours.</summary>
    public static byte[] AllByteValues(int repeat)
    {
        var value = new byte[256 * repeat];
        for (var i = 0; i < value.Length; i++) value[i] = (byte)(i * 7 + i / 256);
        return value;
    }

    /// <summary>True when the supervisor loaded the plugin composed with the byte adapter.</summary>
    public static bool IsComposed(PluginSupervisor s, string service, string plugin = "plugin") =>
        ((SupervisorHost)s).GetPlugin(service, plugin).Compiled.Adapted;

    public static TheoryData<bool> OnOff => new() { false, true };
}
