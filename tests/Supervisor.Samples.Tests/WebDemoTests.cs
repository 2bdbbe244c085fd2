using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Supervisor.Plugins;
using Supervisor.Testing;

namespace Supervisor.Samples.Tests;

/// <summary>The web sample (samples/WebDemo) in-process: calls, failures as ProblemDetails, and a session per client.</summary>
public sealed class WebDemoTests : IClassFixture<WebDemoFactory>
{
    private const string Walpha = "walpha:plugin/api";
    private const string Jsdb = "jsdb:plugin/api";
    private readonly WebDemoFactory _factory;

    public WebDemoTests(WebDemoFactory factory) => _factory = factory;

    private static Task<HttpResponseMessage> Call(HttpClient client, string target, params object?[] args) =>
        client.PostAsJsonAsync($"/calls/{target}", args);

    private static async Task<JsonNode?> Ok(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body);
    }

    /// <summary>The ProblemDetails of a failed call, after checking its status and media type.</summary>
    private static async Task<JsonObject> Problem(HttpResponseMessage response, HttpStatusCode status, PluginErrorCode code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!.AsObject();
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.Equal(code.ToString(), (string?)problem["code"]);
        return problem;
    }

    [Fact]
    public async Task ACall_StoresInTheRealStore_AndReturnsItsResultAsJson()
    {
        var client = _factory.CreateClient();
        await Ok(await Call(client, $"{Walpha}.set", "greeting", Convert.ToBase64String("hello"u8)));
        Assert.Equal(Convert.ToBase64String("hello"u8), (string?)await Ok(await Call(client, $"{Walpha}.get", "greeting")));
        Assert.Null(await Ok(await Call(client, $"{Walpha}.get", "absent")));

        var supervisor = _factory.Services.GetRequiredService<PluginSupervisor>();
        Assert.True(File.Exists(_factory.StorePath));
        Assert.Equal("sqlite", supervisor.Store.Backend.TypeName);
        Assert.True(supervisor.Store.GetUsage("web", "walpha").Items >= 1);
    }

    [Fact]
    public async Task JsonNumbers_ReachIntegerParameters()
    {
        // ping takes nothing; grow takes a u32 (0: report the memory size in pages).
        Assert.True((int)(await Ok(await Call(_factory.CreateClient(), $"{Walpha}.grow", 0)))! >= 1);
    }

    [Fact]
    public async Task TheSignatureOfAFunction_IsServed()
    {
        var signature = JsonNode.Parse(await _factory.CreateClient().GetStringAsync($"/functions/{Walpha}.set-then-fail"))!;
        Assert.Equal($"{Walpha}.set-then-fail", (string?)signature["target"]);
        Assert.Equal("key", (string?)signature["parameters"]![0]!["name"]);
        Assert.Equal("list<u8>", (string?)signature["parameters"]![1]!["type"]);
        Assert.Equal("result<_, string>", (string?)signature["result"]);
    }

    [Fact]
    public async Task AnErrResult_Is422_WithTheErrorValue()
    {
        var problem = await Problem(await Call(_factory.CreateClient(), $"{Walpha}.set-then-fail", "k", "AQID"), HttpStatusCode.UnprocessableEntity, PluginErrorCode.ErrorResult);
        Assert.Equal("failed on purpose", (string?)problem["error"]);
        Assert.Contains($"{Walpha}.set-then-fail returned an error", (string?)problem["detail"]);
    }

    [Fact]
    public async Task InvalidArguments_Are400_NamingTheParameter()
    {
        var client = _factory.CreateClient();
        var wrongType = await Problem(await Call(client, $"{Walpha}.get", 7), HttpStatusCode.BadRequest, PluginErrorCode.InvalidArguments);
        Assert.Contains("argument 1 (key: string)", (string?)wrongType["detail"]);
        var notBase64 = await Problem(await Call(client, $"{Walpha}.set", "k", "not base64!"), HttpStatusCode.BadRequest, PluginErrorCode.InvalidArguments);
        Assert.Contains("argument 2 (value: list<u8>)", (string?)notBase64["detail"]);
        await Problem(await Call(client, $"{Walpha}.get"), HttpStatusCode.BadRequest, PluginErrorCode.InvalidArguments);
        await Problem(await Call(client, "not-a-target"), HttpStatusCode.BadRequest, PluginErrorCode.InvalidTarget);
    }

    [Fact]
    public async Task MissingPluginsAndFunctions_Are404()
    {
        var client = _factory.CreateClient();
        // The library's message names the plugin directory: a server path stays on the server.
        Assert.Null((await Problem(await Call(client, "nosuch:plugin/api.get"), HttpStatusCode.NotFound, PluginErrorCode.PluginNotFound))["detail"]);
        await Problem(await Call(client, $"{Walpha}.nosuch"), HttpStatusCode.NotFound, PluginErrorCode.FunctionNotFound);
    }

    [Fact]
    public async Task ATimeout_Is504_AndATrap500_AndThePluginAnswersAfterwards()
    {
        var client = _factory.CreateClient();
        var timeout = await Problem(await Call(client, $"{Walpha}.spin"), HttpStatusCode.GatewayTimeout, PluginErrorCode.Timeout);
        Assert.Contains("walpha", (string?)timeout["detail"]);
        Assert.Null((await Problem(await Call(client, $"{Walpha}.set-then-trap", "k", "AQID"), HttpStatusCode.InternalServerError, PluginErrorCode.Trap))["detail"]);
        // What the client is not told, the server's log keeps.
        Assert.Contains(_factory.Log.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Message.Contains("answered 500: Trap: ", StringComparison.Ordinal) && l.Message.Contains("walpha", StringComparison.Ordinal));
        Assert.True((int)(await Ok(await Call(client, $"{Walpha}.ping")))! >= 1);
    }

    [Fact, Rule("PDP-SESSION-2")]
    public async Task TwoClients_KeepTheirSessionDataApart_AndShareThePersistentData()
    {
        var alice = _factory.CreateClient();
        var bob = _factory.CreateClient();
        var first = await Call(alice, $"{Jsdb}.set", "non-transactional", "session", "b", "k", Convert.ToBase64String("alice's"u8));
        await Ok(first);
        Assert.Contains(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("supervisor-client=", StringComparison.Ordinal) && c.Contains("httponly", StringComparison.OrdinalIgnoreCase));

        // Bob's session has none of Alice's session data; each keeps its own across requests.
        Assert.Null(await Ok(await Call(bob, $"{Jsdb}.get", "non-transactional", "session", "b", "k")));
        await Ok(await Call(bob, $"{Jsdb}.set", "non-transactional", "session", "b", "k", Convert.ToBase64String("bob's"u8)));
        Assert.Equal(Convert.ToBase64String("alice's"u8), (string?)await Ok(await Call(alice, $"{Jsdb}.get", "non-transactional", "session", "b", "k")));
        Assert.Equal(Convert.ToBase64String("bob's"u8), (string?)await Ok(await Call(bob, $"{Jsdb}.get", "non-transactional", "session", "b", "k")));

        // A request without the cookie is a client of its own.
        var stranger = _factory.CreateClient(new() { HandleCookies = false });
        Assert.Null(await Ok(await Call(stranger, $"{Jsdb}.get", "non-transactional", "session", "b", "k")));

        // Persistent data is the plugin's, whoever calls.
        await Ok(await Call(alice, $"{Jsdb}.set", "non-transactional", "persistent", "b", "shared", Convert.ToBase64String("for all"u8)));
        Assert.Equal(Convert.ToBase64String("for all"u8), (string?)await Ok(await Call(bob, $"{Jsdb}.get", "non-transactional", "persistent", "b", "shared")));
    }

    [Fact]
    public void EveryCode_HasAClientOrServerErrorStatus()
    {
        foreach (var code in Enum.GetValues<PluginErrorCode>())
            Assert.InRange(WebDemo.PluginProblems.For(code).Status, 400, 599);
        Assert.Equal(422, WebDemo.PluginProblems.For(PluginErrorCode.ErrorResult).Status);
        Assert.Equal(504, WebDemo.PluginProblems.For(PluginErrorCode.Timeout).Status);
        Assert.Equal(503, WebDemo.PluginProblems.For(PluginErrorCode.Unavailable).Status);
    }

    [Fact]
    public void TheConsoleExporter_IsOffInTheseTests()
    {
        Assert.Null(_factory.Services.GetService<TracerProvider>());
    }
}
