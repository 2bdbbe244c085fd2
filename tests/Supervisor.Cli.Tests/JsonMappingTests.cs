using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Every JSON mapping both ways, through wecho's echo functions (argument in, the same value out).</summary>
public sealed class JsonMappingTests : IClassFixture<JsonMappingTests.Sandbox>
{
    /// <summary>One sandbox for the class (the fixture compiles once).</summary>
    public sealed class Sandbox : IDisposable
    {
        /// <summary>The sandbox.</summary>
        public CliSandbox Box { get; } = new();

        /// <inheritdoc />
        public void Dispose() => Box.Dispose();
    }

    private readonly CliSandbox _box;

    /// <summary>Uses the class's sandbox.</summary>
    public JsonMappingTests(Sandbox sandbox) => _box = sandbox.Box;

    private CliResult Echo(string function, string json, params string[] extra) =>
        _box.Run(["call", $"wecho:plugin/api.{function}", json, .. extra]);

    [Theory, Rule("PDP-CLI-1", "PDP-CLI-2")]
    [InlineData("echo-bool", "true", "true")]
    [InlineData("echo-bool", "false", "false")]
    [InlineData("echo-s8", "-128", "-128")]
    [InlineData("echo-u8", "255", "255")]
    [InlineData("echo-s16", "-32768", "-32768")]
    [InlineData("echo-u16", "65535", "65535")]
    [InlineData("echo-s32", "-2147483648", "-2147483648")]
    [InlineData("echo-u32", "4294967295", "4294967295")]
    [InlineData("echo-s64", "-9223372036854775808", "-9223372036854775808")]
    [InlineData("echo-u64", "18446744073709551615", "18446744073709551615")]
    [InlineData("echo-f32", "1.5", "1.5")]
    [InlineData("echo-f64", "0.1", "0.1")]
    [InlineData("echo-f64", "-2.5e-300", "-2.5E-300")]
    [InlineData("echo-f64", "\"NaN\"", "\"NaN\"")]
    [InlineData("echo-f64", "\"Infinity\"", "\"Infinity\"")]
    [InlineData("echo-f32", "\"-Infinity\"", "\"-Infinity\"")]
    [InlineData("echo-char", "\"x\"", "\"x\"")]
    [InlineData("echo-char", "\"🦀\"", "\"🦀\"")]
    [InlineData("echo-string", "\"héllo \\\"q\\\" 🦀\"", "\"héllo \\\"q\\\" 🦀\"")]
    [InlineData("echo-string", "\"\"", "\"\"")]
    [InlineData("echo-bytes", "[104, 105]", "\"aGk=\"")]
    [InlineData("echo-bytes", "\"aGk=\"", "\"aGk=\"")]
    [InlineData("echo-bytes", "[]", "\"\"")]
    [InlineData("echo-list", "[\"a\", \"b c\"]", "[\"a\",\"b c\"]")]
    [InlineData("echo-list", "[]", "[]")]
    [InlineData("echo-option", "null", "null")]
    [InlineData("echo-option", "7", "7")]
    [InlineData("echo-result", "{\"ok\": \"fine\"}", "{\"ok\":\"fine\"}")]
    [InlineData("echo-record", "{\"id\": 1, \"name\": \"n\", \"tags\": [\"x\", \"y\"], \"ok\": true}", "{\"id\":1,\"name\":\"n\",\"tags\":[\"x\",\"y\"],\"ok\":true}")]
    [InlineData("echo-tuple", "[-1, 2.5, \"c\"]", "[-1,2.5,\"c\"]")]
    [InlineData("echo-enum", "\"green\"", "\"green\"")]
    [InlineData("echo-variant", "{\"tag\": \"none\"}", "{\"tag\":\"none\"}")]
    [InlineData("echo-variant", "{\"tag\": \"num\", \"val\": 18446744073709551615}", "{\"tag\":\"num\",\"val\":18446744073709551615}")]
    [InlineData("echo-variant", "{\"tag\": \"text\", \"val\": \"hi\"}", "{\"tag\":\"text\",\"val\":\"hi\"}")]
    [InlineData("echo-flags", "[\"exec\", \"read\"]", "[\"read\",\"exec\"]")]
    [InlineData("echo-flags", "[]", "[]")]
    public void Call_MapsJsonToWitAndBack(string function, string json, string expected)
    {
        var r = Echo(function, json);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal([expected], r.Lines);
        Assert.Equal("", r.Err);
    }

    [Fact, Rule("PDP-CLI-2")]
    public void Bytes_PrintAsBase64ArrayOrText()
    {
        Assert.Equal(["[104,105]"], Echo("echo-bytes", "\"aGk=\"", "--bytes-as", "array").Lines);
        Assert.Equal(["\"hi\""], Echo("echo-bytes", "[104, 105]", "--bytes-as", "text").Lines);
        // In text mode a string argument is UTF-8 text, and bytes that are not UTF-8 print as an array.
        Assert.Equal(["\"aGk=\""], Echo("echo-bytes", "\"aGk=\"", "--bytes-as", "text").Lines);
        Assert.Equal(["[255,0]"], Echo("echo-bytes", "[255, 0]", "--bytes-as", "text").Lines);
    }

    [Fact, Rule("PDP-CLI-2")]
    public void Record_MissingOptionalField_IsNone_ResultWithoutPayload_IsNull()
    {
        // echo-result's err case carries a u32; the call fails (an err result) but prints the value.
        var err = Echo("echo-result", "{\"err\": 42}");
        Assert.Equal(1, err.ExitCode);
        Assert.Equal(["{\"err\":42}"], err.Lines);
        var pair = _box.Run("call", "wecho:plugin/api.pair", "3", "\"three\"");
        Assert.Equal(["[3,\"three\"]"], pair.Lines);
    }

    [Fact, Rule("PDP-CLI-1")]
    public void FunctionWithoutResult_PrintsNothing()
    {
        var r = _box.Run("call", "wecho:plugin/api.nothing");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Out);
        Assert.Equal("", r.Err);
    }

    [Theory, Rule("PDP-CLI-3", "PDP-CLI-4")]
    [InlineData("echo-u8", "256", "argument 1 (x: u8) of wecho:plugin/api.echo-u8: expected an integer from 0 to 255 for u8, got 256")]
    [InlineData("echo-s8", "1.5", "argument 1 (x: s8)")]
    [InlineData("echo-bool", "1", "argument 1 (x: bool) of wecho:plugin/api.echo-bool: expected true or false for bool, got 1")]
    [InlineData("echo-char", "\"ab\"", "(x: char)")]
    [InlineData("echo-string", "42", "argument 1 (x: string) of wecho:plugin/api.echo-string: expected a string for string, got 42")]
    [InlineData("echo-bytes", "\"not base64!\"", "(x: list<u8>)")]
    [InlineData("echo-bytes", "[1, 300]", "at [1]: expected an integer from 0 to 255 for u8, got 300")]
    [InlineData("echo-list", "[\"a\", 1]", "at [1]: expected a string for string, got 1")]
    [InlineData("echo-record", "{\"id\": 1, \"name\": \"n\", \"tags\": []}", "missing field \"ok\" (bool)")]
    [InlineData("echo-record", "{\"id\": 1, \"name\": \"n\", \"tags\": [], \"ok\": true, \"extra\": 1}", "unknown field \"extra\"")]
    [InlineData("echo-record", "{\"id\": 1, \"name\": 2, \"tags\": [], \"ok\": true}", "at .name: expected a string")]
    [InlineData("echo-tuple", "[1, 2]", "expected an array of 3 item(s) for tuple<s8, f64, char>")]
    [InlineData("echo-enum", "\"purple\"", "expected one of \"red\", \"green\", \"blue\" for enum { red, green, blue }")]
    [InlineData("echo-variant", "{\"tag\": \"circle\"}", "\"circle\" is not a case of variant { none, num(u64), text(string) }")]
    [InlineData("echo-variant", "{\"tag\": \"num\"}", "case \"num\" of variant { none, num(u64), text(string) } needs \"val\" (u64)")]
    [InlineData("echo-variant", "{\"tag\": \"none\", \"val\": 1}", "has no payload")]
    [InlineData("echo-flags", "[\"fly\"]", "expected an array of flag names (read, write, exec)")]
    [InlineData("echo-result", "{\"maybe\": 1}", "expected {\"ok\": value} or {\"err\": value} for result<string, u32>")]
    [InlineData("echo-option", "\"x\"", "(x: option<u32>)")]
    [InlineData("echo-string", "hello", "argument 1 (x: string) of wecho:plugin/api.echo-string is not valid JSON: hello")]
    public void WrongArgument_Exits2_NamingParameterAndType(string function, string json, string message)
    {
        var r = Echo(function, json);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains(message, r.Err);
        Assert.StartsWith("error: ", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact, Rule("PDP-CLI-4")]
    public void NotJsonString_GetsAQuotingHint()
    {
        var r = Echo("echo-string", "hello");
        Assert.Contains("a string needs JSON quotes inside the shell's: '\"hello\"'", r.Err);
    }

    [Fact, Rule("PDP-CLI-3", "PDP-CLI-4")]
    public void WrongArgumentCount_Exits2_NamingParameters()
    {
        var few = _box.Run("call", "wecho:plugin/api.pair", "1");
        Assert.Equal(2, few.ExitCode);
        Assert.Contains("wecho:plugin/api.pair takes 2 arguments func(a: u32, b: string) -> tuple<u32, string>; got 1 (missing b: string)", few.Err);
        var many = _box.Run("call", "wecho:plugin/api.nothing", "1");
        Assert.Equal(2, many.ExitCode);
        Assert.Contains("wecho:plugin/api.nothing takes 0 arguments func(); got 1 (1 too many)", many.Err);
    }
}
