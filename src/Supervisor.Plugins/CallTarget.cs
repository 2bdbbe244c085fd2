using Supervisor.Storage;

namespace Supervisor.Plugins;

/// <summary>A plugin function addressed like psibase: <c>service:plugin/interface.function</c>.</summary>
public sealed record CallTarget
{
    private CallTarget(string service, string plugin, string @interface, string function)
    {
        Service = service;
        Plugin = plugin;
        Interface = @interface;
        Function = function;
    }

    /// <summary>The service (the plugin's identity).</summary>
    public string Service { get; }

    /// <summary>The plugin within the service (its component file name).</summary>
    public string Plugin { get; }

    /// <summary>The exported interface.</summary>
    public string Interface { get; }

    /// <summary>The function.</summary>
    public string Function { get; }

    /// <summary>The full interface name as exported: <c>service:plugin/interface</c>.</summary>
    public string InterfaceName => $"{Service}:{Plugin}/{Interface}";

    /// <summary>Parses <c>service:plugin/interface.function</c>.</summary>
    /// <exception cref="PluginException">The text is malformed or a name is invalid.</exception>
    public static CallTarget Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':');
        var slash = text.IndexOf('/', Math.Max(colon, 0));
        var dot = text.LastIndexOf('.');
        if (colon <= 0 || slash < colon + 2 || dot < slash + 2 || dot == text.Length - 1)
            throw new PluginException(PluginErrorCode.InvalidTarget,
                $"call target \"{text}\" is not of the form service:plugin/interface.function");
        var service = text[..colon];
        var plugin = text[(colon + 1)..slash];
        var iface = text[(slash + 1)..dot];
        var function = text[(dot + 1)..];
        if (!Names.IsValidService(service))
            throw new PluginException(PluginErrorCode.InvalidTarget, $"call target \"{text}\": service \"{service}\" is not a valid psibase account name");
        foreach (var (what, name) in new[] { ("plugin", plugin), ("interface", iface), ("function", function) })
        {
            if (!IsKebab(name))
                throw new PluginException(PluginErrorCode.InvalidTarget, $"call target \"{text}\": {what} \"{name}\" is not a WIT identifier (lower-case words joined by '-')");
        }
        return new CallTarget(service, plugin, iface, function);
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
    public override string ToString() => $"{Service}:{Plugin}/{Interface}.{Function}";
}
