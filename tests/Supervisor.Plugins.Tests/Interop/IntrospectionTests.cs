using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class IntrospectionTests
{
    [Fact]
    public void ListsImportsAndExportsWithExactSignatures()
    {
        using var component = TestSupport.CompileFixture("kv-echo.wat");
        Assert.Equal(new[]
        {
            "import test:kv/store: instance",
            "import test:kv/store.echo: func(key: string, value: list<u8>) -> option<list<u8>>",
            "export run: func(key: string, value: list<u8>) -> option<list<u8>>",
        }, component.Type.Describe().ToArray());
    }

    [Fact]
    public void StructuredModelDescribesNestedInstancesAndTypes()
    {
        using var component = TestSupport.CompileFixture("values.wat");
        var type = component.Type;

        var host = Assert.Single(type.Imports);
        Assert.Equal("test:vals/host", host.Name);
        Assert.Equal(ComponentItemKind.Instance, host.Kind);
        Assert.Equal(new[] { "rec", "shape", "color", "perms", "echo-rec", "echo-shape", "echo-misc", "echo-nums" },
            host.Exports.Select(e => e.Name).ToArray());

        var rec = Assert.IsType<WitRecord>(host.Find("rec")!.Type);
        Assert.Equal(new[] { "id", "name", "tags", "ok" }, rec.Fields.Select(f => f.Name).ToArray());
        Assert.Equal(WitKind.U32, rec.Fields[0].Type.Kind);
        Assert.Equal(WitKind.String, Assert.IsType<WitList>(rec.Fields[2].Type).Element.Kind);

        var shape = Assert.IsType<WitVariant>(host.Find("shape")!.Type);
        Assert.Null(shape.Cases[0].Payload);
        Assert.Equal(WitKind.U64, shape.Cases[1].Payload!.Kind);
        Assert.Equal(new[] { "red", "green", "blue" }, Assert.IsType<WitEnum>(host.Find("color")!.Type).Names);
        Assert.Equal(new[] { "read", "write", "exec" }, Assert.IsType<WitFlags>(host.Find("perms")!.Type).Names);

        var guest = Assert.Single(type.Exports);
        Assert.Equal("test:vals/guest", guest.Name);
        var nums = guest.Find("echo-nums")!.Function!;
        Assert.Equal(new[] { "a", "b", "c", "d" }, nums.Parameters.Select(p => p.Name).ToArray());
        Assert.Equal("func(a: f32, b: s64, c: u64, d: list<u16>) -> tuple<f32, s64, u64, list<u16>>", nums.ToString());
        var misc = guest.Find("echo-misc")!.Function!;
        var result = Assert.IsType<WitResultType>(misc.Parameters[3].Type);
        Assert.Equal(WitKind.String, result.Ok!.Kind);
        Assert.Equal(WitKind.U32, result.Err!.Kind);
        Assert.Equal("option<s16>", misc.Parameters[4].Type.ToString());
    }

    [Fact]
    public void FunctionWithoutResultAndTopLevelExports()
    {
        using var component = TestSupport.CompileFixture("limits.wat");
        Assert.Empty(component.Type.Imports);
        Assert.Equal(new[] { "export grow: func(pages: u32) -> s32", "export spin: func()" }, component.Type.Describe().ToArray());
    }

    [Fact]
    public void RendersWitText()
    {
        Assert.Equal("result", new WitResultType(null, null).ToString());
        Assert.Equal("result<_, string>", new WitResultType(null, WitType.String).ToString());
        Assert.Equal("result<u8>", new WitResultType(WitType.U8, null).ToString());
        Assert.Equal("borrow<bucket>", new WitResource(WitKind.Borrow, "bucket").ToString());
        Assert.Equal("own<resource>", new WitResource(WitKind.Own, null).ToString());
    }
}
