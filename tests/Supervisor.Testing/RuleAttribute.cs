using Xunit.Abstractions;
using Xunit.Sdk;

namespace Supervisor.Testing;

/// <summary>
/// Names the specification rules (ids like <c>PDP-STORE-1</c> in <c>docs/src</c>) that a test checks.
/// Shows up as the xunit trait <c>Rule</c>, so <c>dotnet test --filter Rule=PDP-STORE-1</c> runs them.
/// </summary>
[TraitDiscoverer("Supervisor.Testing.RuleDiscoverer", "Supervisor.Testing")]
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class, AllowMultiple = true)]
public sealed class RuleAttribute : Attribute, ITraitAttribute
{
    /// <summary>The rule ids.</summary>
    public RuleAttribute(params string[] ids) => Ids = ids;

    /// <summary>The rule ids.</summary>
    public string[] Ids { get; }
}

/// <summary>Turns <see cref="RuleAttribute"/> into xunit traits.</summary>
public sealed class RuleDiscoverer : ITraitDiscoverer
{
    /// <inheritdoc />
    public IEnumerable<KeyValuePair<string, string>> GetTraits(IAttributeInfo traitAttribute)
    {
        var ids = traitAttribute.GetConstructorArguments().FirstOrDefault() as IEnumerable<object> ?? [];
        foreach (var id in ids) yield return new("Rule", id?.ToString() ?? "");
    }
}
