using System.Text.Json.Nodes;
using Supervisor.Plugins.Interop;
using Supervisor.Plugins.Json;
using Supervisor.Plugins.Tests.Hosting;
using Supervisor.Testing;

namespace Supervisor.Plugins.Tests.Json;

/// <summary>WAVE, Wasmtime's value syntax, as a face of calls beside JSON (PDP-ARGS-3).</summary>
public sealed class WaveTests : PluginTestBase
{
    private static readonly WitRecord Note = new([new WitField("id", WitType.U32), new WitField("text", WitType.String), new WitField("tag", new WitOption(WitType.String))]);
    private static readonly WitVariant Lifetime = new([new WitCase("days", WitType.U32), new WitCase("forever", null), new WitCase("ok", WitType.String)]);
    private static readonly WitEnum Direction = new(["north", "south", "err"]);
    private static readonly WitFlags Perms = new(["read", "write", "exec"]);

    private static readonly Dictionary<string, WitType> Types = new()
    {
        ["t0"] = WitType.Bool,
        ["t1"] = WitType.S8,
        ["t2"] = WitType.U64,
        ["t3"] = WitType.F64,
        ["t4"] = WitType.F32,
        ["t5"] = WitType.Char,
        ["t6"] = WitType.String,
        ["t7"] = new WitList(WitType.U8),
        ["t8"] = new WitList(WitType.String),
        ["t9"] = new WitTuple([WitType.String, WitType.U32]),
        ["t10"] = Note,
        ["t11"] = new WitRecord([new WitField("a", new WitOption(WitType.U8))]),
        ["t12"] = Lifetime,
        ["t13"] = Direction,
        ["t14"] = Perms,
        ["t15"] = new WitOption(WitType.U8),
        ["t16"] = new WitResultType(null, WitType.String),
        ["t17"] = new WitResultType(WitType.String, null),
        ["t18"] = new WitMap(WitType.String, WitType.U8),
    };

    public static TheoryData<string, string, string, string> Values => new()
    {
        // WAVE text, its type (a key of Types), the JSON the host's mapping takes, the WAVE written back
        { "true", "t0", "true", "true" },
        { "-9", "t1", "-9", "-9" },
        { "18446744073709551615", "t2", "18446744073709551615", "18446744073709551615" },
        { "6.022e+23", "t3", "6.022E+23", "6.022E+23" },
        { "nan", "t4", "\"NaN\"", "nan" },
        { "-inf", "t3", "\"-Infinity\"", "-inf" },
        { "'\\u{1F44B}'", "t5", "\"\\uD83D\\uDC4B\"", "'\U0001F44B'" },
        { "'\\''", "t5", "\"'\"", "'\\''" },
        { "\"a\\tb\\n\\\"c\\\"\"", "t6", "\"a\\tb\\n\\u0022c\\u0022\"", "\"a\\tb\\n\\\"c\\\"\"" },
        { "[1, 2, 3,]", "t7", "[1,2,3]", "[1, 2, 3]" },
        { "[]", "t8", "[]", "[]" },
        { "(\"abc\", 123)", "t9", "[\"abc\",123]", "(\"abc\", 123)" },
        { "{text: \"x\", id: 1}", "t10", "{\"text\":\"x\",\"id\":1,\"tag\":null}", "{id: 1, text: \"x\", tag: none}" },
        { "{id: 1, text: \"x\", tag: some(\"t\")}", "t10", "{\"id\":1,\"text\":\"x\",\"tag\":\"t\"}", "{id: 1, text: \"x\", tag: some(\"t\")}" },
        { "{id: 1, text: \"x\", tag: \"flat\"}", "t10", "{\"id\":1,\"text\":\"x\",\"tag\":\"flat\"}", "{id: 1, text: \"x\", tag: some(\"flat\")}" },
        { "{:}", "t11", "{\"a\":null}", "{a: none}" },
        { "days(30)", "t12", "{\"tag\":\"days\",\"val\":30}", "days(30)" },
        { "forever", "t12", "{\"tag\":\"forever\"}", "forever" },
        { "%ok(\"kw\")", "t12", "{\"tag\":\"ok\",\"val\":\"kw\"}", "%ok(\"kw\")" },
        { "south", "t13", "\"south\"", "south" },
        { "%err", "t13", "\"err\"", "%err" },
        { "{write, read,}", "t14", "[\"write\",\"read\"]", "{write, read}" },
        { "{}", "t14", "[]", "{}" },
        { "none", "t15", "null", "none" },
        { "some(7)", "t15", "7", "some(7)" },
        { "ok", "t16", "{\"ok\":null}", "ok" },
        { "err(\"oops\")", "t16", "{\"err\":\"oops\"}", "err(\"oops\")" },
        { "\"flat ok\"", "t17", "{\"ok\":\"flat ok\"}", "ok(\"flat ok\")" },
        { "[(\"a\", 1)] // a comment", "t18", "[[\"a\",1]]", "[(\"a\", 1)]" },
    };

    [Theory, Rule("PDP-ARGS-3")]
    [MemberData(nameof(Values))]
    public void Value_ReadsIntoTheJsonMapping_AndIsWrittenBack(string wave, string typeKey, string json, string written)
    {
        var type = Types[typeKey];
        var expected = JsonNode.Parse(json);
        var node = Wave.ParseValue(wave, type);
        Assert.True(JsonNode.DeepEquals(expected, node), $"{wave} read as {node?.ToJsonString() ?? "null"}, not {json}");
        Assert.Equal(written, Wave.Format(node, type));
        Assert.True(JsonNode.DeepEquals(expected, Wave.ParseValue(written, type)), $"{written} does not read back as {json}");
    }

    [Theory, Rule("PDP-ARGS-3")]
    [InlineData("\"abc", "string", "a closing \" at column 1")]
    [InlineData("'ab'", "char", "exactly one Unicode scalar value at column 1")]
    [InlineData("[1, 2", "list", "',' or ']' at column 6")]
    [InlineData("{id: 1}", "note", "field text (string)")]
    [InlineData("{id: 1, nope: 2}", "note", "a field of record")]
    [InlineData("{id: 1, id: 2, text: \"\"}", "note", "\"id\" is repeated")]
    [InlineData("maybe", "bool", "true or false at column 1, found \"maybe\"")]
    [InlineData("weekly(1)", "variant", "a case of variant")]
    [InlineData("\"\\q\"", "string", "an escape")]
    [InlineData("\"\\u{D800}\"", "string", "Unicode scalar value")]
    [InlineData("12abc", "u32", "an integer for u32 at column 1")]
    [InlineData("some(none)", "option-option", "none")]
    public void Value_Malformed_IsRefused_NamingTheColumn(string wave, string typeName, string expected)
    {
        WitType type = typeName switch
        {
            "string" => WitType.String,
            "char" => WitType.Char,
            "list" => new WitList(WitType.U8),
            "note" => Note,
            "bool" => WitType.Bool,
            "variant" => Lifetime,
            "u32" => WitType.U32,
            _ => new WitOption(new WitOption(WitType.U8)),
        };
        if (typeName == "option-option")
        {
            // The JSON mapping cannot tell some(none) from none: the value reads as none (documented), never as garbage.
            Assert.Null(Wave.ParseValue(wave, type));
            return;
        }
        var e = Assert.Throws<FormatException>(() => Wave.ParseValue(wave, type));
        Assert.Contains(expected, e.Message);
    }

    [Fact, Rule("PDP-ARGS-3")]
    public void CallWave_PassesArguments_AndReturnsTheResultInWave()
    {
        var s = NewSupervisor();
        Assert.Null(s.CallWave("walpha:plugin/api.set(\"k\", [104, 105])"));
        Assert.Equal("some([104, 105])", s.CallWave("walpha:plugin/api.get(\"k\")"));
        Assert.Equal("none", s.CallWave("walpha:plugin/api.get( \"absent\" )"));
        Assert.Equal(B("hi"), ClientDataRecord(s, "walpha", "k"));
    }

    [Fact, Rule("PDP-ARGS-3")]
    public void CallWave_AnErrResult_FailsWithTheResultInWave()
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.CallWave("walpha:plugin/api.set-then-fail(\"k\", [1])"));
        Assert.Equal(PluginErrorCode.ErrorResult, e.Code);
        Assert.Equal("err(\"failed on purpose\")", e.ErrorValue);
    }

    [Theory, Rule("PDP-ARGS-3")]
    [InlineData("walpha:plugin/api.set(\"k\")", PluginErrorCode.InvalidArguments, "missing value: list<u8>")]
    [InlineData("walpha:plugin/api.set(\"k\", [1], 2)", PluginErrorCode.InvalidArguments, "more were given: 2 at column 11")]
    [InlineData("walpha:plugin/api.set(\"k\", [300])", PluginErrorCode.InvalidArguments, "argument 2 (value: list<u8>)")]
    [InlineData("walpha:plugin/api.set(k, [1])", PluginErrorCode.InvalidArguments, "argument 1 (key: string) of walpha:plugin/api.set: expected a string in \" \" at column 1")]
    [InlineData("walpha:plugin/api.set(\"k\", [1]", PluginErrorCode.InvalidTarget, "(arguments in WAVE)")]
    public void CallWave_BadArguments_AreRefusedBeforeThePluginRuns(string call, PluginErrorCode code, string expected)
    {
        var s = NewSupervisor();
        var e = Assert.Throws<PluginException>(() => s.CallWave(call));
        Assert.Equal(code, e.Code);
        Assert.Contains(expected, e.Message);
        Assert.Null(ClientDataRecord(s, "walpha", "k"));
    }
}
