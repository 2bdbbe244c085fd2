using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace Supervisor.Samples.Tests;

/// <summary>The sample's bounds on client sessions, and its OpenTelemetry wiring.</summary>
public sealed class WebDemoSessionLimitTests
{
    private const string Jsdb = "jsdb:plugin/api";

    private static async Task<JsonNode?> Call(HttpClient client, string function, params object?[] args)
    {
        var response = await client.PostAsJsonAsync($"/calls/{Jsdb}.{function}", args);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body);
    }

    [Fact]
    public async Task PastMaxSessions_TheSessionUsedLongestAgoEnds_WithItsData()
    {
        using var factory = new WebDemoFactory(("Sessions:MaxSessions", "2"));
        var first = factory.CreateClient();
        var second = factory.CreateClient();
        await Call(first, "set", "non-transactional", "session", "b", "k", "AQ==");
        await Call(second, "set", "non-transactional", "session", "b", "k", "Ag==");
        Assert.Equal("AQ==", (string?)await Call(first, "get", "non-transactional", "session", "b", "k"));

        // A third client: the second (used longest ago) ends; the first keeps its data.
        await Call(factory.CreateClient(), "get", "non-transactional", "session", "b", "k");
        Assert.Equal(2, factory.Services.GetRequiredService<WebDemo.ClientSessions>().Count);
        Assert.Equal("AQ==", (string?)await Call(first, "get", "non-transactional", "session", "b", "k"));
        Assert.Null(await Call(second, "get", "non-transactional", "session", "b", "k"));
    }

    [Fact]
    public async Task WithTheConsoleExporterOn_CallsWork_AndOpenTelemetryListens()
    {
        using var factory = new WebDemoFactory(("Telemetry:Console", "true"));
        await Call(factory.CreateClient(), "set", "non-transactional", "persistent", "b", "k", "AQ==");
        Assert.NotNull(factory.Services.GetService<TracerProvider>());
        Assert.NotNull(factory.Services.GetService<OpenTelemetry.Metrics.MeterProvider>());
    }
}
