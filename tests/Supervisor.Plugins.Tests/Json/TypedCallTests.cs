using System.Text;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Plugins.Typed;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Json;

/// <summary>Typed calls (PDP-ARGS-4): results mapped to .NET types by the app's choice.</summary>
public sealed class TypedCallTests : PluginTestBase
{
    public sealed record Note(uint Id, string Text, bool Done);

    public sealed class NoteClass
    {
        public long Id { get; set; }
        public string Text { get; set; } = "";
        public bool Done { get; set; }
    }

    public enum Direction { North, SouthEast }

    [Flags]
    public enum Perms { None = 0, Read = 1, Write = 2, Exec = 4 }

    public abstract record Lifetime
    {
        public sealed record Days(uint Value) : Lifetime;

        public sealed record Forever : Lifetime;
    }

    private static string Examples => Path.Combine(RepositoryPaths.Root, "artifacts", "examples", "plugins");

    private PluginSupervisor Notes()
    {
        Assert.True(File.Exists(Path.Combine(Examples, "notes", "plugin.wasm")), $"{Examples}/notes/plugin.wasm is missing: run `npm ci && npm run build:examples`");
        return NewSupervisor(o => o.PluginDirectory = Examples);
    }

    [Fact, Rule("PDP-ARGS-4")]
    public async Task Records_Lists_Options_AndResults_MapToDotNetTypes()
    {
        var s = Notes();
        Assert.Equal(1u, s.Call<uint>("notes:plugin/api.add", "buy milk"));
        Assert.Equal(2, s.Call<int>("notes:plugin/api.add", "call mum"));
        Assert.True(s.Call<PluginResult<object, string>>("notes:plugin/api.done", 2u).IsOk);
        Assert.Equal([new Note(1, "buy milk", false), new Note(2, "call mum", true)], s.Call<Note[]>("notes:plugin/api.list-all"));
        var list = s.Call<List<NoteClass>>("notes:plugin/api.list-all");
        Assert.Equal(["buy milk", "call mum"], list.Select(n => n.Text));
        Assert.Equal(new Note(2, "call mum", true), s.Call<Note?>("notes:plugin/api.get", 2u));
        Assert.Null(s.Call<Note?>("notes:plugin/api.get", 9u));
        Assert.Equal(new Note(1, "buy milk", false), await s.CallAsync<Note>(CallTarget.Parse("notes:plugin/api.get"), [1u]));
    }

    [Fact, Rule("PDP-ARGS-4")]
    public void AnErrResult_IsReturnedToAResultType_AndThrownForAnyOther()
    {
        var s = Notes();
        var err = s.Call<PluginResult<object, string>>("notes:plugin/api.done", 7u);
        Assert.False(err.IsOk);
        Assert.Equal("no note 7", err.Error);
        var e = Assert.Throws<PluginException>(() => s.Call<object>("notes:plugin/api.done", 7u));
        Assert.Equal(PluginErrorCode.ErrorResult, e.Code);
    }

    [Fact, Rule("PDP-ARGS-4")]
    public void AMismatch_NamesTheFieldAndBothTypes()
    {
        var s = Notes();
        s.Call("notes:plugin/api.add", "x");
        var e = Assert.Throws<PluginException>(() => s.Call<List<Dictionary<int, int>>>("notes:plugin/api.list-all"));
        Assert.Equal(PluginErrorCode.ResultMismatch, e.Code);
        var wrongField = Assert.Throws<PluginException>(() => s.Call<WrongNote[]>("notes:plugin/api.list-all"));
        Assert.Contains("[0].text (string) does not fit .NET type Int32", wrongField.Message);
        // A value type cannot hold none; a reference type holds it as null (its nullability is not visible at run time).
        var none = Assert.Throws<PluginException>(() => TypedValues.Convert(null, new WitOption(WitType.U32), typeof(uint), ".count"));
        Assert.Contains("none needs a nullable type", none.Message);
        Assert.Null(s.Call<Note>("notes:plugin/api.get", 9u));
    }

    public sealed record WrongNote(uint Id, int Text);

    public static TheoryData<string> Cases => new() { "enum", "flags", "variant", "tuple", "map", "char", "overflow" };

    [Theory, Rule("PDP-ARGS-4")]
    [MemberData(nameof(Cases))]
    public void EachWitShape_MapsToItsDotNetShape(string shape)
    {
        switch (shape)
        {
            case "enum":
                Assert.Equal(Direction.SouthEast, TypedValues.Convert("south-east", new WitEnum(["north", "south-east"]), typeof(Direction), ""));
                Assert.Equal("north", TypedValues.Convert("north", new WitEnum(["north"]), typeof(string), ""));
                break;
            case "flags":
                Assert.Equal(Perms.Read | Perms.Exec, TypedValues.Convert(new[] { "read", "exec" }, new WitFlags(["read", "write", "exec"]), typeof(Perms), ""));
                Assert.Equal(["read"], Assert.IsType<HashSet<string>>(TypedValues.Convert(new[] { "read" }, new WitFlags(["read"]), typeof(ISet<string>), "")).Order());
                break;
            case "variant":
                var lifetime = new WitVariant([new WitCase("days", WitType.U32), new WitCase("forever", null)]);
                Assert.Equal(new Lifetime.Days(30), TypedValues.Convert(new WitVariantValue("days", 30u), lifetime, typeof(Lifetime), ""));
                Assert.IsType<Lifetime.Forever>(TypedValues.Convert(new WitVariantValue("forever"), lifetime, typeof(Lifetime), ""));
                break;
            case "tuple":
                Assert.Equal(("a", 2L), TypedValues.Convert(new object?[] { "a", 2u }, new WitTuple([WitType.String, WitType.U32]), typeof((string, long)), ""));
                break;
            case "map":
                var map = TypedValues.Convert(new List<KeyValuePair<object?, object?>> { new("a", 1u) }, new WitMap(WitType.String, WitType.U32), typeof(Dictionary<string, uint>), "");
                Assert.Equal(new Dictionary<string, uint> { ["a"] = 1 }, map);
                break;
            case "char":
                Assert.Equal('x', TypedValues.Convert(new Rune('x'), WitType.Char, typeof(char), ""));
                var wide = Assert.Throws<PluginException>(() => TypedValues.Convert(new Rune(0x1F44B), WitType.Char, typeof(char), ""));
                Assert.Contains("Basic Multilingual Plane", wide.Message);
                break;
            case "overflow":
                var big = Assert.Throws<PluginException>(() => TypedValues.Convert(300u, WitType.U32, typeof(byte), ".count"));
                Assert.Contains("the result.count (u32) does not fit .NET type Byte: 300 is out of its range", big.Message);
                break;
        }
    }
}
