using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Supervisor.Plugins;

namespace WebDemo;

/// <summary>
/// Turns a <see cref="PluginException"/> into ProblemDetails: a status for its code, the message as the detail, the code
/// as <c>code</c> and, for an <c>err</c> result, the error value as <c>error</c>. A call cancelled because the client went
/// away arrives as <see cref="OperationCanceledException"/> wrapping the plugin layer's exception.
/// </summary>
internal sealed class PluginProblems(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>The HTTP status and title for each code: the client's mistakes are 4xx, the plugin's and the host's 5xx.</summary>
    internal static (int Status, string Title) For(PluginErrorCode code) => code switch
    {
        PluginErrorCode.InvalidTarget or PluginErrorCode.InvalidPluginName => (400, "invalid call target"),
        PluginErrorCode.InvalidArguments => (400, "invalid arguments"),
        PluginErrorCode.PluginNotFound or PluginErrorCode.FunctionNotFound => (404, "no such plugin function"),
        PluginErrorCode.Deadlock => (409, "the call would wait in a cycle; retry it"),
        PluginErrorCode.ErrorResult => (422, "the plugin returned an error"),
        PluginErrorCode.Cancelled => (499, "the call was cancelled"),
        PluginErrorCode.Unavailable => (503, "the supervisor is unavailable"),
        PluginErrorCode.Timeout => (504, "the call ran past its time limit"),
        // Trap, CallDepth, ImportRefused, InvalidComponent, ResultMismatch: the plugin or its deployment failed.
        _ => (500, "the plugin failed"),
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken cancellationToken)
    {
        var e = exception as PluginException ?? (exception as OperationCanceledException)?.InnerException as PluginException;
        if (e is null) return false;
        var (status, title) = For(e.Code);
        var details = new ProblemDetails { Status = status, Title = title, Detail = e.Message };
        details.Extensions["code"] = e.Code.ToString();
        if (e.Code == PluginErrorCode.ErrorResult) details.Extensions["error"] = JsonValues.ToJson(e.ErrorValue);
        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details, Exception = exception });
    }
}
