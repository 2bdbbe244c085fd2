using Supervisor.Plugins.Configuration;
using Supervisor.Testing;

namespace Supervisor.Cli.Tests;

/// <summary>Sizes as the CLI prints them for people.</summary>
public sealed class UnitsTests
{
    [Theory, Rule("PDP-CLI-13")]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(1229, "1.2 KiB")]
    [InlineData(10 * 1024 * 1024, "10.0 MiB")]
    [InlineData(1L << 40, "1.0 TiB")]
    [InlineData(long.MaxValue, "8.0 EiB")]
    public void FormatSize_UsesTheLargestBinaryUnitAtLeastOne(long bytes, string expected) =>
        Assert.Equal(expected, Units.FormatSize(bytes));
}
