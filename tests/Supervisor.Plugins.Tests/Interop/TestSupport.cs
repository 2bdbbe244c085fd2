using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

internal static class TestSupport
{
    /// <summary>One engine for the whole test run: engines are thread-safe and compiling is the slow part.</summary>
    public static readonly WasmtimeEngine Engine = new();

    public static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public static WasmtimeComponent CompileFixture(string name) => Engine.CompileWat(Fixture(name));

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
