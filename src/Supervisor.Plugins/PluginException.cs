namespace Supervisor.Plugins;

/// <summary>The one exception type of the plugin layer; <see cref="Code"/> says why.</summary>
public sealed class PluginException : Exception
{
    /// <summary>Creates an exception with a code and a message naming plugin and function where known.</summary>
    public PluginException(PluginErrorCode code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    /// <summary>The cause.</summary>
    public PluginErrorCode Code { get; }

    /// <summary>For <see cref="PluginErrorCode.ErrorResult"/>: the payload of the <c>err</c> case.</summary>
    public object? ErrorValue { get; init; }
}
