using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class HostFunctionTests
{
    private sealed class EchoHost
    {
        public string? LastKey;
        public int Calls;
    }

    private static (ComponentStore Store, ComponentFunction Run, ComponentLinker Linker) Setup(WasmtimeComponent component, EchoHost host, bool returnNone = false)
    {
        var linker = new ComponentLinker(TestSupport.Engine);
        linker.DefineFunction("test:kv/store", "echo", (in HostCall call) =>
        {
            var state = (EchoHost)call.Store.HostState!;
            state.Calls++;
            state.LastKey = ComponentValues.ReadString(call.Args[0]);
            var value = call.Args[1];
            if (returnNone) { ComponentValues.WriteNone(ref call.Results[0]); return; }
            // Read the list<u8> into a buffer and write it back: both fast paths.
            var buffer = new byte[ComponentValues.ListLength(value)];
            ComponentValues.ReadBytes(value, buffer);
            ComponentValues.WriteOptionBytes(ref call.Results[0], buffer);
        });
        var store = new ComponentStore(TestSupport.Engine, host);
        var instance = linker.Instantiate(store, component);
        var run = instance.GetFunction("run") ?? throw new InvalidOperationException("no run export");
        return (store, run, linker);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(1024)]
    [InlineData(100 * 1024)]
    public void ListOfBytesRoundTripsByteExactThroughGuest(int size)
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        var host = new EchoHost();
        var (store, run, linker) = Setup(component, host);
        using (store) using (linker)
        {
            var data = TestSupport.RandomBytes(size, seed: size + 1);
            var key = $"key-{size}-é";

            // Raw path: build the arguments with Wasmtime's allocators, read the result, free everything.
            Span<ComponentVal> args = stackalloc ComponentVal[2];
            Span<ComponentVal> results = stackalloc ComponentVal[1];
            args.Clear();
            results.Clear();
            ComponentValues.WriteString(ref args[0], key);
            ComponentValues.WriteBytes(ref args[1], data);
            try
            {
                run.Call(args, results);
                var back = InteropTestHelpers.ReadOptionBytes(results[0]);
                Assert.NotNull(back);
                Assert.Equal(data.Length, back!.Length);
                Assert.True(data.AsSpan().SequenceEqual(back), "bytes differ after the round trip");
                ComponentValues.Delete(ref results[0]);
            }
            finally
            {
                ComponentValues.Delete(ref args[0]);
                ComponentValues.Delete(ref args[1]);
            }
            Assert.Equal(key, host.LastKey);

            // Converted path, twice more (post-return resets the guest allocator between calls).
            for (var i = 0; i < 2; i++)
            {
                var converted = run.Invoke(key, data);
                Assert.Equal(data, Assert.IsType<byte[]>(converted));
            }
            Assert.Equal(3, host.Calls);
        }
    }

    [Fact]
    public void NoneResultComesBackAsNull()
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        var (store, run, linker) = Setup(component, new EchoHost(), returnNone: true);
        using (store) using (linker)
        {
            Assert.Null(run.Invoke("k", new byte[] { 1, 2, 3 }));
        }
    }

    [Fact]
    public void ThrowingHostFunctionBecomesTrapWithMessageAndProcessSurvives()
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        linker.DefineFunction("test:kv/store", "echo", (in HostCall call) =>
            throw new InvalidOperationException("quota exceeded for key " + ComponentValues.ReadString(call.Args[0])));
        using var store = new ComponentStore(TestSupport.Engine);
        var instance = linker.Instantiate(store, component);
        var run = instance.GetFunction("run")!;

        var e = Assert.Throws<WasmtimeException>(() => run.Invoke("big", new byte[] { 1 }));
        Assert.Contains("quota exceeded for key big", e.Message);
        Assert.True(e.IsTrap);
        Assert.True(instance.IsPoisoned);

        // The poisoned instance refuses further calls, and the process (and engine) keeps working.
        Assert.Throws<WasmtimeException>(() => run.Invoke("again", Array.Empty<byte>()));
        using var store2 = new ComponentStore(TestSupport.Engine);
        using var linker2 = new ComponentLinker(TestSupport.Engine);
        linker2.DefineFunction("test:kv/store", "echo", (in HostCall call) => ComponentValues.WriteNone(ref call.Results[0]));
        Assert.Null(linker2.Instantiate(store2, component).GetFunction("run")!.Invoke("k", Array.Empty<byte>()));
    }

    [Fact]
    public void MissingImportFailsInstantiationNamingIt()
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        using var linker = new ComponentLinker(TestSupport.Engine);
        using var store = new ComponentStore(TestSupport.Engine);
        var e = Assert.Throws<WasmtimeException>(() => linker.Instantiate(store, component));
        Assert.Contains("test:kv/store", e.Message);
        Assert.False(e.IsTrap);
    }

    [Fact]
    public void UnknownExportsAreNull()
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        var (store, _, linker) = Setup(component, new EchoHost());
        using (store) using (linker)
        {
            var instance = linker.Instantiate(store, component);
            Assert.Null(instance.GetFunction("nope"));
            Assert.Null(instance.GetFunction("no:such/iface", "run"));
        }
    }

    [Fact]
    public void StringWritersProduceUtf8()
    {
        ComponentVal v = default;
        ComponentValues.WriteString(ref v, "héllo ✓");
        try
        {
            Assert.Equal(ComponentValKind.String, v.Kind);
            Assert.Equal(Encoding.UTF8.GetBytes("héllo ✓"), ComponentValues.ReadUtf8(v).ToArray());
            Assert.Equal("héllo ✓", ComponentValues.ReadString(v));
        }
        finally { ComponentValues.Delete(ref v); }
    }
}
