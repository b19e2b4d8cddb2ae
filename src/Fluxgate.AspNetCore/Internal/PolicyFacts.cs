using System.Globalization;
using System.Text.RegularExpressions;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>
/// What the dashboard reads from a breaker's printed policy (<see cref="CircuitBreakerInfo.Policy"/>): the kind and size
/// of its window, for the call rates.
/// </summary>
/// <remarks>
/// <see cref="CircuitBreakerInfo"/> does not give the calls since the last look, and the dashboard adds nothing to calls to
/// count them, so rates are derived from the window (see <see cref="BreakerReading"/>). Reading the text is a few
/// generated-regex matches per breaker and sample; nothing is cached, so the dashboard keeps no process-wide state.
/// </remarks>
internal sealed partial class PolicyFacts
{
    private PolicyFacts(int countSize, TimeSpan timeSize)
    {
        CountSize = countSize;
        TimeSize = timeSize;
    }

    /// <summary>Gets the size of a <see cref="CountWindow"/>, or 0 for another window.</summary>
    public int CountSize { get; }

    /// <summary>Gets the size of a <see cref="TimeWindow"/>, or zero for another window.</summary>
    public TimeSpan TimeSize { get; }

    public static PolicyFacts Of(string policy)
    {
        var countSize = 0;
        var timeSize = TimeSpan.Zero;
        if (Part(policy, "Window") is { } window)
        {
            // Read with a pattern, not Window.Parse: that would allocate the window (80 MB for the largest CountWindow).
            if (CountPattern().Match(window) is { Success: true } count && int.TryParse(count.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                countSize = size;
            }
            else if (TimePattern().Match(window) is { Success: true } time && DurationText.TryParse(time.Groups[1].Value, out var duration))
            {
                timeSize = duration;
            }
        }

        return new PolicyFacts(countSize, timeSize);
    }

    /// <summary>The value of one <c>Key=value</c> part of the policy text (parts are separated by <c>"; "</c>).</summary>
    private static string? Part(string policy, string key)
    {
        foreach (Match match in PartPattern().Matches(policy))
        {
            if (match.Groups[1].ValueSpan.SequenceEqual(key))
            {
                return match.Groups[2].Value;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?:^|; )([A-Za-z]+)=(.*?)(?=; [A-Za-z]+=|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PartPattern();

    [GeneratedRegex(@"^Count\(\s*(\d+)\s*\)$", RegexOptions.CultureInvariant)]
    private static partial Regex CountPattern();

    [GeneratedRegex(@"^Time\(\s*([^)]+?)\s*\)$", RegexOptions.CultureInvariant)]
    private static partial Regex TimePattern();
}
