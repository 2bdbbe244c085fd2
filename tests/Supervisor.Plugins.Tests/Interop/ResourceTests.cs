using System.Collections.Concurrent;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class ResourceTests : IDisposable
{
    private readonly WasmtimeComponent _component = TestSupport.CompileFixture("resources.wat");
    private readonly HostResourceType _bucketType = new("bucket");
    private readonly ComponentLinker _linker = new(TestSupport.Engine);
    private readonly Dictionary<uint, string> _open = [];
    private readonly ConcurrentBag<uint> _destroyed = [];
    private readonly List<uint> _sizedReps = [];
    private uint _nextRep = 100;

    public ResourceTests()
    {
        using var root = _linker.Root();
        using var api = root.AddInstance("test:res/api");
        api.AddResource("bucket", _bucketType, (store, rep) =>
        {
            Assert.NotNull(store); // the destructor sees the store it runs in
            _destroyed.Add(rep);
            _open.Remove(rep);
        });
        api.AddFunction("open", (in HostCall call) =>
        {
            var rep = _nextRep++;
            _open[rep] = ComponentValues.ReadString(call.Args[0]);
            ComponentResources.WriteHostResource(call.Context, ref call.Results[0], _bucketType.Own(rep));
        });
        api.AddFunction("[method]bucket.size", (in HostCall call) =>
        {
            var rep = ComponentResources.ReadHostResourceRep(call.Context, call.Args[0], _bucketType);
            _sizedReps.Add(rep);
            InteropTestHelpers.WriteU32(ref call.Results[0], (uint)_open[rep].Length);
        });
    }

    public void Dispose()
    {
        _linker.Dispose();
        _bucketType.Dispose();
        _component.Dispose();
    }

    [Fact]
    public void GuestOpensUsesAndDropsResourceAndDestructorRunsOnce()
    {
        using var store = new ComponentStore(TestSupport.Engine);
        var run = _linker.Instantiate(store, _component).GetFunction("run")!;

        Assert.Equal(7u, run.Invoke("bucket7"));
        Assert.Equal(new uint[] { 100 }, _destroyed.ToArray());
        Assert.Equal(new uint[] { 100 }, _sizedReps); // the method got the rep that open made
        Assert.Empty(_open);

        Assert.Equal(0u, run.Invoke(""));
        Assert.Equal(new uint[] { 100, 101 }, _destroyed.Order().ToArray());
    }

    [Fact]
    public void MethodOnDroppedHandleTraps()
    {
        using var store = new ComponentStore(TestSupport.Engine);
        var f = _linker.Instantiate(store, _component).GetFunction("use-after-drop")!;
        var e = Assert.Throws<WasmtimeException>(() => f.Invoke("x"));
        Assert.True(e.IsTrap);
        Assert.Single(_destroyed); // dropped once, the bad call did not destroy it again
        Assert.Empty(_sizedReps);  // the host method never ran on the dead handle
    }

    [Fact]
    public void StoreDeletionDoesNotRunDestructors()
    {
        var store = new ComponentStore(TestSupport.Engine);
        Assert.Equal(3u, _linker.Instantiate(store, _component).GetFunction("leak")!.Invoke("abc"));
        store.Dispose();
        Assert.Empty(_destroyed); // documented Wasmtime behaviour: the host tracks live handles itself
        Assert.Equal(2, _open.Count);
    }

    [Fact]
    public void ResourcesAreNamedInSignatures()
    {
        var api = _component.Type.Imports.Single(i => i.Name == "test:res/api");
        Assert.Equal(ComponentItemKind.Resource, api.Find("bucket")!.Kind);
        Assert.Equal("func(name: string) -> bucket", api.Find("open")!.Function!.ToString());
        Assert.Equal("func(self: borrow<bucket>) -> u32", api.Find("[method]bucket.size")!.Function!.ToString());
    }
}
