using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class FixturePluginTests
{
    private static WasmtimeComponent Compile(string service) =>
        TestSupport.Engine.CompileWat(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "plugins", service, "plugin.wat")));

    [Theory]
    [InlineData("walpha")][InlineData("wclient")][InlineData("wcaller")][InlineData("wloop1")][InlineData("wevil")][InlineData("wfake")]
    public void Dump(string service)
    {
        using var c = Compile(service);
        Assert.Fail(string.Join("\n", c.Type.Describe()));
    }
}
