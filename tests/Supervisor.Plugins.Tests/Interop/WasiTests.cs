using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class WasiTests
{
    [Fact]
    public void WasiP2WithNothingGrantedGivesNoEnvironmentOrArguments()
    {
        Environment.SetEnvironmentVariable("SUPERVISOR_INTEROP_TEST_SECRET", "leak?");
        using var component = TestSupport.CompileFixture("wasi-env.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        linker.AddWasiP2();
        using var store = new ComponentStore(TestSupport.Engine);
        store.ConfigureWasiNothingGranted();
        Assert.Equal(0u, linker.Instantiate(store, component).GetFunction("count")!.Invoke());
    }

    [Fact]
    public void StoreWithoutWasiContextIsRefusedByWasiLinker()
    {
        using var component = TestSupport.CompileFixture("wasi-env.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        linker.AddWasiP2();
        using var store = new ComponentStore(TestSupport.Engine);
        Assert.Throws<InvalidOperationException>(() => linker.Instantiate(store, component));
    }

    [Fact]
    public void WithoutWasiTheImportIsMissing()
    {
        using var component = TestSupport.CompileFixture("wasi-env.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        using var store = new ComponentStore(TestSupport.Engine);
        var e = Assert.Throws<WasmtimeException>(() => linker.Instantiate(store, component));
        Assert.Contains("wasi:cli/environment@0.2.0", e.Message);
    }
}
