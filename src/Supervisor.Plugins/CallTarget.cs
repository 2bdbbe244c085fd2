using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>
/// A plugin function addressed like psibase: <c>service:plugin/interface.function</c>. The interface is found by its
/// name among the plugin's exports, whatever WIT package the component was built from; when two exported interfaces
/// share the name, the target names the package too: <c>service:plugin/namespace:package/interface.function</c>.
/// <c>service/interface.function</c> is short for plugin <c>plugin</c>.
/// </summary>
public sealed record CallTarget
{
    /// <summary>The plugin a target means when it names none.</summary>
    public const string DefaultPlugin = "plugin";

    private CallTarget(string service, string plugin, string? package, string @interface, string function)
    {
        Service = service;
        Plugin = plugin;
        Package = package;
        Interface = @interface;
        Function = function;
    }

    /// <summary>The service (the plugin's identity).</summary>
    public string Service { get; }

    /// <summary>The plugin within the service (its component file name).</summary>
    public string Plugin { get; }

    /// <summary>The WIT package of the exported interface (<c>namespace:package</c>, optionally <c>@version</c>), or null for any.</summary>
    public string? Package { get; }

    /// <summary>The exported interface's name (without its package).</summary>
    public string Interface { get; }

    /// <summary>The function.</summary>
    public string Function { get; }

    /// <summary>Parses <c>service[:plugin]/[namespace:package/]interface.function</c>.</summary>
    /// <exception cref="PluginException">The text is malformed or a name is invalid.</exception>
    public static CallTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var slash = text.IndexOf('/');
        var last = text.LastIndexOf('/');
        var dot = last < 0 ? -1 : text.IndexOf('.', last);
        if (slash <= 0 || dot < last + 2 || dot == text.Length - 1 || (last > slash && last == slash + 1))
            throw new PluginException(PluginErrorCode.InvalidTarget,
                $"call target \"{text}\" is not of the form service:plugin/interface.function (or service:plugin/namespace:package/interface.function)");
        var head = text[..slash];
        var colon = head.IndexOf(':');
        var service = colon < 0 ? head : head[..colon];
        var plugin = colon < 0 ? DefaultPlugin : head[(colon + 1)..];
        var package = last > slash ? text[(slash + 1)..last] : null;
        var iface = text[(last + 1)..dot];
        var function = text[(dot + 1)..];
        if (!Names.IsValidService(service))
            throw new PluginException(PluginErrorCode.InvalidTarget, $"call target \"{text}\": service \"{service}\" is not a valid psibase account name");
        foreach (var (what, name) in new[] { ("plugin", plugin), ("interface", iface), ("function", function) })
        {
            if (!IsKebab(name))
                throw new PluginException(PluginErrorCode.InvalidTarget, $"call target \"{text}\": {what} \"{name}\" is not a WIT identifier (lower-case words joined by '-')");
        }
        if (package is not null && !IsPackage(package))
            throw new PluginException(PluginErrorCode.InvalidTarget,
                $"call target \"{text}\": package \"{package}\" is not a WIT package name (namespace:package, optionally @version)");
        return new CallTarget(service, plugin, package, iface, function);
    }

    /// <summary>True for <c>namespace:package</c> with an optional <c>@version</c>, each name a WIT identifier.</summary>
    private static bool IsPackage(string text)
    {
        var at = text.IndexOf('@');
        var name = at < 0 ? text : text[..at];
        if (at >= 0 && (at == text.Length - 1 || text[(at + 1)..].Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+')))) return false;
        var colon = name.IndexOf(':');
        return colon > 0 && IsKebab(name[..colon]) && IsKebab(name[(colon + 1)..]);
    }

    /// <summary>True for a WIT identifier: lower-case kebab words of letters and digits, each starting with a letter.</summary>
    public static bool IsKebab(string name)
    {
        if (name.Length == 0) return false;
        foreach (var word in name.Split('-'))
        {
            if (word.Length == 0 || !char.IsAsciiLetterLower(word[0])) return false;
            foreach (var c in word)
                if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))) return false;
        }
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Package is null ? $"{Service}:{Plugin}/{Interface}.{Function}" : $"{Service}:{Plugin}/{Package}/{Interface}.{Function}";
}
