using Microsoft.Extensions.Configuration;
using Supervisor.Storage;

namespace Supervisor.Cli;

/// <summary>
/// The <c>Supervisor</c> configuration the library binds (PDP-HOST-1), read by the CLI too (PDP-CLI-25): the section
/// of a <c>supervisor.json</c> in the working directory, trusted only when the user owns it and no one else may write
/// it, and environment variables (<c>SUPERVISOR__STORAGE__LOCATION</c>), which win over the file; command-line
/// options win over both.
/// </summary>
internal sealed class CliConfiguration
{
    public const string FileName = "supervisor.json";

    private readonly IConfiguration? _file;
    private readonly IConfiguration _environment;

    private CliConfiguration(IConfiguration? file, IConfiguration environment, string? used, string? ignored)
    {
        _file = file;
        _environment = environment;
        Used = used;
        Ignored = ignored;
    }

    /// <summary>The file whose settings apply, or null.</summary>
    public string? Used { get; }

    /// <summary>Why a <c>supervisor.json</c> that exists was not read, or null.</summary>
    public string? Ignored { get; }

    /// <summary>Reads <c>supervisor.json</c> in <paramref name="directory"/> (when trusted) and the environment.</summary>
    /// <exception cref="ArgumentException">The file is not valid JSON: the message names it.</exception>
    public static CliConfiguration Load(string directory)
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables("SUPERVISOR__").Build();
        var path = Path.Combine(Path.GetFullPath(directory), FileName);
        if (!File.Exists(path)) return new(null, environment, null, null);
        if (PrivateFiles.WhyConfigUntrusted(path) is { } why) return new(null, environment, null, $"{why}; its settings are ignored");
        try
        {
            var file = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build().GetSection("Supervisor");
            return new(file, environment, path, null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException)
        {
            throw new ArgumentException($"{path}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }

    /// <summary>The value of <paramref name="key"/> (<c>Storage:Location</c>): the environment's, else the file's, else null.</summary>
    public string? this[string key] => _environment[key] ?? _file?[key];

    /// <summary>A list setting (<c>ConcurrentPlugins</c>), from the environment when it holds any, else the file.</summary>
    public IReadOnlyList<string> List(string key)
    {
        var env = _environment.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return env.Count > 0 ? env : _file?.GetSection(key).GetChildren().Select(c => c.Value).OfType<string>().ToList() ?? [];
    }

    /// <summary>Where a key's value came from, for errors: the environment variable or the file.</summary>
    public string SourceOf(string key) =>
        _environment[key] is not null ? $"SUPERVISOR__{key.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant()}" : $"{Used} (Supervisor:{key})";
}
