using System.Text;
using Supervisor.Plugins.Interop;

namespace Supervisor.Plugins.Tests.Interop;

public sealed class ValueConversionTests : IDisposable
{
    private readonly WasmtimeComponent _component = TestSupport.CompileFixture("values.wat");
    private readonly ComponentLinker _linker = new(TestSupport.Engine);
    private readonly ComponentStore _store = new(TestSupport.Engine);
    private readonly List<object?[]> _hostSaw = [];
    private readonly ComponentInstance _instance;

    public ValueConversionTests()
    {
        using (var root = _linker.Root())
        using (var host = root.AddInstance("test:vals/host"))
        {
            // The host echoes: single-argument functions return the argument, the others a tuple of them.
            object? Echo(ComponentStore _, object?[] args)
            {
                _hostSaw.Add(args);
                return args.Length == 1 ? args[0] : args;
            }
            host.AddDynamicFunction("echo-rec", Echo);
            host.AddDynamicFunction("echo-shape", Echo);
            host.AddDynamicFunction("echo-misc", Echo);
            host.AddDynamicFunction("echo-nums", Echo);
        }
        _instance = _linker.Instantiate(_store, _component);
    }

    public void Dispose()
    {
        _store.Dispose();
        _linker.Dispose();
        _component.Dispose();
    }

    private ComponentFunction Guest(string name) =>
        _instance.GetFunction("test:vals/guest", name) ?? throw new InvalidOperationException(name);

    [Fact]
    public void RecordRoundTrips()
    {
        var input = new Dictionary<string, object?>
        {
            ["id"] = 42u,
            ["name"] = "clé ✓",
            ["tags"] = new List<object?> { "a", "", "ccc" },
            ["ok"] = true,
        };
        var output = Assert.IsType<Dictionary<string, object?>>(Guest("echo-rec").Invoke(input));
        Assert.Equal(42u, output["id"]);
        Assert.Equal("clé ✓", output["name"]);
        Assert.Equal(new List<object?> { "a", "", "ccc" }, Assert.IsType<List<object?>>(output["tags"]));
        Assert.Equal(true, output["ok"]);
        // The host saw the same record, converted from the guest's lowered value.
        Assert.Equal("clé ✓", ((Dictionary<string, object?>)_hostSaw.Single()[0]!)["name"]);
    }

    [Fact]
    public void MissingRecordFieldIsRejectedBeforeTheCall()
    {
        var e = Assert.Throws<ArgumentException>(() => Guest("echo-rec").Invoke(new Dictionary<string, object?> { ["id"] = 1u }));
        Assert.Contains("name", e.Message);
        Assert.Empty(_hostSaw);
        Assert.False(_instance.IsPoisoned);
    }

    [Theory]
    [InlineData("none", null)]
    [InlineData("num", 18446744073709551615ul)]
    [InlineData("text", "hello")]
    public void VariantRoundTrips(string tag, object? payload)
    {
        var output = Guest("echo-shape").Invoke(new WitVariantValue(tag, payload));
        Assert.Equal(new WitVariantValue(tag, payload), output);
    }

    [Fact]
    public void EnumFlagsTupleResultOptionRoundTrip()
    {
        var f = Guest("echo-misc");
        Assert.Equal("func(c: enum { red, green, blue }, p: flags { read, write, exec }, t: tuple<s8, f64, char>, r: result<string, u32>, o: option<s16>) -> tuple<enum { red, green, blue }, flags { read, write, exec }, tuple<s8, f64, char>, result<string, u32>, option<s16>>",
            f.Type.ToString());

        var output = Assert.IsType<object?[]>(f.Invoke("blue", new[] { "exec", "read" }, new object?[] { (sbyte)-5, 2.5, new Rune(0x1F600) }, WitResult.Ok("fine"), (short)-300));
        Assert.Equal("blue", output[0]);
        Assert.Equal(new[] { "read", "exec" }, output[1]); // type order
        Assert.Equal(new object?[] { (sbyte)-5, 2.5, new Rune(0x1F600) }, output[2]);
        Assert.Equal(WitResult.Ok("fine"), output[3]);
        Assert.Equal((short)-300, output[4]);

        var second = Assert.IsType<object?[]>(f.Invoke("red", Array.Empty<string>(), new object?[] { (sbyte)127, -0.0, 'x' }, WitResult.Err(7u), null));
        Assert.Equal("red", second[0]);
        Assert.Empty(Assert.IsType<string[]>(second[1]));
        Assert.Equal(new Rune('x'), ((object?[])second[2]!)[2]);
        Assert.Equal(WitResult.Err(7u), second[3]);
        Assert.Null(second[4]);
    }

    [Fact]
    public void NumbersAndListsRoundTrip()
    {
        var output = Assert.IsType<object?[]>(Guest("echo-nums").Invoke(1.5f, long.MinValue, ulong.MaxValue, new List<object?> { (ushort)0, (ushort)65535, 7 }));
        Assert.Equal(1.5f, output[0]);
        Assert.Equal(long.MinValue, output[1]);
        Assert.Equal(ulong.MaxValue, output[2]);
        Assert.Equal(new List<object?> { (ushort)0, (ushort)65535, (ushort)7 }, output[3]);
    }

    [Fact]
    public void WrongShapesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => Guest("echo-misc").Invoke("purple", Array.Empty<string>(), new object?[] { (sbyte)1, 1.0, 'a' }, WitResult.Ok("x"), null));
        Assert.Throws<ArgumentException>(() => Guest("echo-misc").Invoke("red", new[] { "fly" }, new object?[] { (sbyte)1, 1.0, 'a' }, WitResult.Ok("x"), null));
        Assert.Throws<OverflowException>(() => Guest("echo-nums").Invoke(1f, 1L, 1UL, new List<object?> { 70000 }));
        Assert.Throws<ArgumentException>(() => Guest("echo-shape").Invoke(new WitVariantValue("none", 5)));
        Assert.Empty(_hostSaw);
        // None of that reached the guest, so the instance is still usable.
        Assert.Equal(new WitVariantValue("none"), Guest("echo-shape").Invoke(new WitVariantValue("none")));
    }
}
