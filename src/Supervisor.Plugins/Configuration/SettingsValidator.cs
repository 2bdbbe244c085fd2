using Microsoft.Extensions.Options;

namespace Supervisor.Plugins.Configuration;

/// <summary>Validates the bound section at start: each value is checked by its option's setter, every failure reported with its key.</summary>
internal sealed class SettingsValidator(string section) : IValidateOptions<SupervisorSettings>
{
    public ValidateOptionsResult Validate(string? name, SupervisorSettings options)
    {
        var failures = new List<string>();
        options.ToOptions(section, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
