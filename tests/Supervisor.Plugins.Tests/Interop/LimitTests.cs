using System.Diagnostics;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class LimitTests
{
    [Fact]
    public void MemoryGrowPastStoreLimitFails()
    {
        using var component = TestSupport.CompileFixture("limits.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        using var store = new ComponentStore(TestSupport.Engine);
        store.SetLimits(memoryBytes: 4 * 65536);
        var grow = linker.Instantiate(store, component).GetFunction("grow")!;

        Assert.Equal(1, grow.Invoke(2u));   // 1 -> 3 pages: allowed, returns the old size
        Assert.Equal(-1, grow.Invoke(2u));  // 3 -> 5 pages: over 4 pages, refused
        Assert.Equal(3, grow.Invoke(1u));   // 3 -> 4 pages: exactly the limit
        Assert.Equal(-1, grow.Invoke(1u));
    }

    [Fact]
    public void InstantiationAboveMemoryLimitFails()
    {
        using var component = TestSupport.CompileFixture("limits.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        using var store = new ComponentStore(TestSupport.Engine);
        store.SetLimits(memoryBytes: 1000); // less than the initial page
        var e = Assert.Throws<WasmtimeException>(() => linker.Instantiate(store, component));
        Assert.Contains("memory", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void InfiniteLoopIsStoppedByEpochInterruption()
    {
        // Own engine: ticking the shared engine would be harmless, but this keeps the timing self-contained.
        using var engine = new WasmtimeEngine();
        using var component = engine.CompileWat(TestSupport.Fixture("limits.wat"));
        using var linker = new ComponentLinker(engine);
        using var store = new ComponentStore(engine);
        var instance = linker.Instantiate(store, component);
        var spin = instance.GetFunction("spin")!;

        store.SetEpochDeadline(5);
        using var ticker = new EpochTicker(engine, TimeSpan.FromMilliseconds(10));
        var watch = Stopwatch.StartNew();
        var e = Assert.Throws<WasmtimeException>(() => spin.Invoke());
        Assert.Equal(WasmtimeErrorKind.Interrupt, e.Kind);
        // A hang guard, not a speed check: on a loaded machine the ticker's timer can run late (12 s was seen in CI).
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"the loop ran {watch.Elapsed} before the interrupt");
        Assert.True(instance.IsPoisoned);
        Assert.Equal(WasmtimeErrorKind.CannotEnter, Assert.Throws<WasmtimeException>(() => spin.Invoke()).Kind);
    }

    [Fact]
    public void StoreWithoutDeadlineIsNotInterruptedByTicks()
    {
        using var engine = new WasmtimeEngine();
        using var component = engine.CompileWat(TestSupport.Fixture("limits.wat"));
        using var linker = new ComponentLinker(engine);
        using var store = new ComponentStore(engine);
        var grow = linker.Instantiate(store, component).GetFunction("grow")!;
        for (var i = 0; i < 100; i++) engine.IncrementEpoch();
        Assert.Equal(1, grow.Invoke(0u));
    }

    [Fact]
    public void InfiniteLoopRunsOutOfFuel()
    {
        using var engine = new WasmtimeEngine(new EngineOptions { ConsumeFuel = true });
        using var component = engine.CompileWat(TestSupport.Fixture("limits.wat"));
        using var linker = new ComponentLinker(engine);
        using var store = new ComponentStore(engine);
        store.SetFuel(100_000);
        var spin = linker.Instantiate(store, component).GetFunction("spin")!;
        var e = Assert.Throws<WasmtimeException>(() => spin.Invoke());
        Assert.Equal(WasmtimeErrorKind.OutOfFuel, e.Kind);
        Assert.Equal(0ul, store.GetFuel());
    }
}
