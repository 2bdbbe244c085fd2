using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Supervisor.Plugins;

namespace WebDemo;

/// <summary>
/// Turns a <see cref="PluginException"/> into ProblemDetails: a status for its code, the code as <c>code</c>, for an
/// <c>err</c> result the error value as <c>error</c>, and the message as the detail where it says nothing of the server: a
/// trap's message can carry what the plugin printed, a missing plugin's names the plugin directory, so those stay in the
/// server's log. A call cancelled because the client went away arrives as <see cref="OperationCanceledException"/>
/// wrapping the plugin layer's exception.
/// </summary>
internal sealed class PluginProblems(IProblemDetailsService problems, ILogger<PluginProblems> logger) : IExceptionHandler
{
    /// <summary>
    /// The HTTP status and title for each code, and whether the message goes to the client: the client's mistakes are
    /// 4xx, the plugin's and the host's 5xx.
    /// </summary>
    internal static (int Status, string Title, bool ShowMessage) For(PluginErrorCode code) => code switch
    {
        PluginErrorCode.InvalidTarget or PluginErrorCode.InvalidPluginName => (400, "invalid call target", true),
        PluginErrorCode.InvalidArguments => (400, "invalid arguments", true),
        PluginErrorCode.PluginNotFound => (404, "no such plugin", false),
        PluginErrorCode.FunctionNotFound => (404, "no such plugin function", true),
        PluginErrorCode.Deadlock => (409, "the call would wait in a cycle; retry it", true),
        PluginErrorCode.ErrorResult => (422, "the plugin returned an error", true),
        PluginErrorCode.Cancelled => (499, "the call was cancelled", true),
        PluginErrorCode.Unavailable => (503, "the supervisor is unavailable", true),
        PluginErrorCode.Timeout => (504, "the call ran past its time limit", true),
        // Trap, CallDepth, ImportRefused, InvalidComponent, ResultMismatch: the plugin or its deployment failed.
        _ => (500, "the plugin failed", false),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var e = exception as PluginException ?? (exception as OperationCanceledException)?.InnerException as PluginException;
        if (e is null) return false;
        var (status, title, showMessage) = For(e.Code);
        var details = new ProblemDetails { Status = status, Title = title, Detail = showMessage ? e.Message : null };
        // A handled exception is not logged by ASP.NET Core: what the client is not told, the server's log keeps.
        if (!showMessage) logger.LogWarning("{Method} {Path} answered {Status}: {Code}: {Message}", http.Request.Method, http.Request.Path, status, e.Code, e.Message);
        details.Extensions["code"] = e.Code.ToString();
        // CallJson gives the err payload as {"err": ...}; the problem carries the payload itself.
        if (e.Code == PluginErrorCode.ErrorResult) details.Extensions["error"] = (e.ErrorValue as System.Text.Json.Nodes.JsonObject)?["err"]?.DeepClone();
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }
}
