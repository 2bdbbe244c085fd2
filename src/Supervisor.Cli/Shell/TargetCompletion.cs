using RadLine;
using Supervisor.Plugins;

namespace Supervisor.Cli.Shell;

/// <summary>
/// Tab completion of the call target, the first word of a shell line: a service from the plugin directory first
/// (<c>no</c> to <c>notes:plugin/</c>), then, once the word names a plugin, its exported functions by the address
/// they are called by (PDP-CALL-4). A plugin that cannot be described completes to nothing.
/// </summary>
internal sealed class TargetCompletion(string pluginDirectory, Func<string, string, PluginDescription> describe) : ITextCompletion
{
    private readonly Dictionary<string, IReadOnlyList<string>> _addresses = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public IEnumerable<string> GetCompletions(string prefix, string word, string suffix)
    {
        if (!string.IsNullOrWhiteSpace(prefix) && prefix.Trim() != "call") return [];
        var slash = word.IndexOf('/');
        if (slash < 0) return Plugins().Where(p => p.StartsWith(word, StringComparison.Ordinal)).Select(p => p + "/").ToList();
        var head = word[..slash];
        var colon = head.IndexOf(':');
        var (service, plugin) = colon < 0 ? (head, CallTarget.DefaultPlugin) : (head[..colon], head[(colon + 1)..]);
        // The short form (service/...) completes to the full address, which is what the export list holds.
        var typed = colon < 0 ? $"{service}:{plugin}{word[slash..]}" : word;
        return Addresses(service, plugin).Where(a => a.StartsWith(typed, StringComparison.Ordinal)).ToList();
    }

    /// <summary><c>service:plugin</c> for each component file in the plugin directory's service folders.</summary>
    private IEnumerable<string> Plugins()
    {
        if (!Directory.Exists(pluginDirectory)) yield break;
        foreach (var folder in Directory.EnumerateDirectories(pluginDirectory).Order(StringComparer.Ordinal))
        {
            var service = Path.GetFileName(folder);
            foreach (var file in Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".wasm", StringComparison.Ordinal) || f.EndsWith(".wat", StringComparison.Ordinal))
                         .Select(Path.GetFileNameWithoutExtension).Distinct().Order(StringComparer.Ordinal))
                yield return $"{service}:{file}";
        }
    }

    private IReadOnlyList<string> Addresses(string service, string plugin)
    {
        var key = $"{service}:{plugin}";
        if (!_addresses.TryGetValue(key, out var list))
        {
            try
            {
                list = describe(service, plugin).Exports.Select(e => e.Address).OfType<string>().ToList();
            }
            catch (Exception e) when (e is PluginException or IOException or UnauthorizedAccessException)
            {
                // Nothing to offer for a plugin that cannot be loaded; calling it will say why.
                list = [];
            }
            _addresses[key] = list;
        }
        return list;
    }
}
