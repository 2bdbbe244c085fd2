namespace Supervisor.Plugins;

/// <summary>One parameter of a plugin function.</summary>
/// <param name="Name">The parameter name.</param>
/// <param name="Type">Its WIT type in WIT-like text.</param>
public sealed record ParameterSignature(string Name, string Type)
{
    /// <summary><c>name: type</c>.</summary>
    public override string ToString() => $"{Name}: {Type}";
}
