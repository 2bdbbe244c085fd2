using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class EngineTests
{
    [Fact]
    public void SerializedComponentDeserializesAndRuns()
    {
        byte[] serialized;
        using (var component = TestSupport.CompileFixture("limits.wat")) serialized = component.Serialize();
        Assert.True(serialized.Length > 100);

        using var loaded = TestSupport.Engine.Deserialize(serialized);
        var path = Path.Combine(Path.GetTempPath(), $"interop-{Guid.NewGuid():N}.cwasm");
        File.WriteAllBytes(path, serialized);
        try
        {
            using var fromFile = TestSupport.Engine.DeserializeFile(path);
            foreach (var c in new[] { loaded, fromFile })
            {
                using var linker = new ComponentLinker(TestSupport.Engine);
                using var store = new ComponentStore(TestSupport.Engine);
                Assert.Equal(1, linker.Instantiate(store, c).GetFunction("grow")!.Invoke(0u));
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void GarbageIsNotDeserialized()
    {
        var e = Assert.Throws<WasmtimeException>(() => TestSupport.Engine.Deserialize(new byte[] { 1, 2, 3, 4 }));
        Assert.Equal(WasmtimeErrorKind.Error, e.Kind);
    }

    [Fact]
    public void BinaryComponentCompilesAndBadInputIsReported()
    {
        var binary = Wat.ToBinary(TestSupport.Fixture("limits.wat"));
        Assert.Equal(new byte[] { 0, (byte)'a', (byte)'s', (byte)'m' }, binary[..4]);
        using (TestSupport.Engine.Compile(binary)) { }

        Assert.Throws<WasmtimeException>(() => TestSupport.Engine.CompileWat("(component (func $nope"));
        Assert.Throws<WasmtimeException>(() => TestSupport.Engine.Compile(new byte[] { 0, 0x61, 0x73, 0x6d, 1, 0, 0, 0 })); // a core module, not a component
    }

    [Fact]
    public void DisposedObjectsThrowObjectDisposedAndDisposeIsIdempotent()
    {
        var engine = new WasmtimeEngine();
        var component = engine.CompileWat(TestSupport.Fixture("limits.wat"));
        var store = new ComponentStore(engine);
        var linker = new ComponentLinker(engine);
        component.Dispose(); component.Dispose();
        store.Dispose(); store.Dispose();
        linker.Dispose(); linker.Dispose();
        Assert.Throws<ObjectDisposedException>(() => component.Serialize());
        Assert.Throws<ObjectDisposedException>(() => store.SetEpochDeadline(1));
        Assert.Throws<ObjectDisposedException>(() => linker.AddWasiP2());
        engine.Dispose(); engine.Dispose();
        Assert.Throws<ObjectDisposedException>(() => engine.IncrementEpoch());
        Assert.Throws<ObjectDisposedException>(() => new ComponentStore(engine));
    }

    [Fact]
    public void HostStateIsReachableFromTheContext()
    {
        var state = new object();
        using var store = new ComponentStore(TestSupport.Engine, state);
        Assert.Same(store, ComponentStore.FromContext(store.Context));
        Assert.Same(state, ComponentStore.FromContext(store.Context)!.HostState);
    }
}

public sealed class LinkerTests
{
    [Fact]
    public void LinkerIsLockedWhileARootInstanceIsOpen()
    {
        using var linker = new ComponentLinker(TestSupport.Engine);
        var root = linker.Root();
        var child = root.AddInstance("a:b/c");
        // Wasmtime requires children to be closed before the parent is used again; misuse is a managed error.
        Assert.Throws<InvalidOperationException>(() => root.AddFunction("f", (in HostCall _) => { }));
        Assert.Throws<InvalidOperationException>(() => linker.AddWasiP2());
        child.AddFunction("f", (in HostCall _) => { });
        root.Dispose();
        Assert.True(child.IsDisposed);
        linker.AddWasiP2();
        Assert.True(linker.HasWasi);
    }

    [Fact]
    public void DuplicateDefinitionIsAnError()
    {
        using var linker = new ComponentLinker(TestSupport.Engine);
        using var root = linker.Root();
        root.AddFunction("f", (in HostCall _) => { });
        var e = Assert.Throws<WasmtimeException>(() => root.AddFunction("f", (in HostCall _) => { }));
        Assert.Contains("f", e.Message);
    }
}
