using System.Text.Json;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Supervisor.Plugins;
using WebDemo;

// A minimal API over the supervisor: POST /calls/{target} with the arguments as a JSON array calls a plugin function in
// the client's own session; failures come back as ProblemDetails (PluginProblems says which status each code gets).
var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSupervisor(builder.Configuration.GetSection("Supervisor"));
builder.Services.AddHealthChecks().AddSupervisorCheck();
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<PluginProblems>();

// One session per client, found by its cookie: session-duration data never crosses clients.
builder.Services.Configure<ClientSessionOptions>(builder.Configuration.GetSection("Sessions"));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ClientSessions>();
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped(sp => sp.GetRequiredService<ClientSessions>().For(sp.GetRequiredService<IHttpContextAccessor>().HttpContext!));

// The library reports through System.Diagnostics only; OpenTelemetry subscribes to its meter and source by name.
if (builder.Configuration.GetValue("Telemetry:Console", true))
{
    builder.Services.AddOpenTelemetry()
        .ConfigureResource(r => r.AddService("WebDemo"))
        // The request's own span (source Microsoft.AspNetCore) is recorded too: a call's span is its child, and a
        // parent-based sampler drops the children of a span nobody records.
        .WithTracing(t => t.AddSource("Microsoft.AspNetCore", "Supervisor.Plugins").AddConsoleExporter())
        .WithMetrics(m => m.AddMeter("Supervisor.Plugins").AddConsoleExporter());
}

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapPost("/calls/{**target}", async (string target, JsonElement[]? args, ClientSession client, CancellationToken aborted) =>
{
    // The library maps JSON to the parameters' WIT types (bytes as base64) and the result back; "null" for a function
    // without a result (and for none).
    var result = await client.Session.CallJsonAsync(CallTarget.Parse(target), args ?? [], cancellationToken: aborted);
    return Results.Text(result?.ToJsonString() ?? "null", "application/json");
});

app.MapGet("/functions/{**target}", (string target, PluginSupervisor supervisor) =>
{
    var signature = supervisor.GetSignature(CallTarget.Parse(target));
    return Results.Json(new
    {
        target = signature.Target.ToString(),
        parameters = signature.Parameters.Select(p => new { name = p.Name, type = p.Type }),
        result = signature.Result,
    });
});

app.MapHealthChecks("/health");

app.Run();

/// <summary>The app's entry point, public for <c>WebApplicationFactory</c>.</summary>
public partial class Program;
