namespace Fluxgate.Shared;

/// <summary>
/// The one shape of Fluxgate's configuration errors, for breakers and the fleet alike: where (the configuration path), what
/// (the value, left out when it may be a secret or is a section) and the rule it breaks. Compiled into each package that
/// reads configuration (src/Shared), so no package depends on another for a message.
/// </summary>
internal static class ConfigurationError
{
    /// <summary>Returns e.g. <c>Fluxgate configuration, 'Fluxgate:Breakers:payments:Window' = 'Count(0)': Expected size between 1 and …</c>.</summary>
    /// <param name="path">The key's full path, e.g. <c>Fluxgate:Fleet:ReplicaTimeout</c>.</param>
    /// <param name="value">The value as written, or <see langword="null"/> to leave it out.</param>
    /// <param name="rule">The rule, a sentence; a final period is added when missing.</param>
    public static string Format(string path, string? value, string rule)
    {
        var sentence = rule.EndsWith('.') ? rule : rule + ".";
        return value is null ? $"Fluxgate configuration, '{path}': {sentence}" : $"Fluxgate configuration, '{path}' = '{value}': {sentence}";
    }
}
