using Microsoft.Extensions.Logging;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>The host's error log on the CLI's standard error: errors only, with their causes, passwords masked.</summary>
public sealed class ErrorLogTests
{
    [Fact, Rule("PDP-CLI-16")]
    public void AnError_IsPrintedWithItsCauses_AndNoStackTrace()
    {
        var err = new StringWriter();
        ILoggerFactory log = new ErrorLog(err);
        var logger = log.CreateLogger("Supervisor");
        Exception cause;
        try
        {
            throw new InvalidOperationException("outer", new IOException("disk I/O error\n   at somewhere"));
        }
        catch (Exception e)
        {
            cause = e;
        }

        logger.LogError(cause, "storage failed under {Plugin} in {Function}", "alpha", "get");
        logger.LogWarning("a warning the CLI does not show");
        logger.LogInformation("nor information");

        Assert.Equal("log: storage failed under alpha in get: outer: disk I/O error\n", err.ToString().ReplaceLineEndings("\n"));
    }

    [Theory, Rule("PDP-CLI-16")]
    [InlineData("cannot reach redis://:hunter2@10.0.0.1:6379/0", "cannot reach redis://:***@10.0.0.1:6379/0")]
    [InlineData("redis://admin:s3cr%40t@host/1 and rediss://u:p@h/2", "redis://admin:***@host/1 and rediss://u:***@h/2")]
    [InlineData("no secret in redis://host:6379/0", "no secret in redis://host:6379/0")]
    public void Passwords_AreMasked(string text, string shown) => Assert.Equal(shown, ErrorLog.Scrub(text));
}
