namespace Fluxgate.Slack;

/// <summary>How one kind of transition looks in Slack: the attachment's title, colour and description.</summary>
public sealed class SlackTemplate
{
    /// <summary>Creates a template.</summary>
    /// <param name="title">The bold first line, e.g. <c>🚨 Circuit Breaker Triggered</c>; not empty.</param>
    /// <param name="color">The attachment's colour bar: <c>#RRGGBB</c>, or Slack's <c>good</c>, <c>warning</c>, <c>danger</c>.</param>
    /// <param name="description">The text of the Description field.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="title"/> is blank or <paramref name="color"/> is not a colour Slack accepts.</exception>
    public SlackTemplate(string title, string color, string description)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(color);
        ArgumentNullException.ThrowIfNull(description);
        if (!IsColor(color))
        {
            throw new ArgumentException($"Must be #RRGGBB (e.g. #FF4C4C) or one of good, warning, danger; got '{color}'.", nameof(color));
        }

        Title = title;
        Color = color;
        Description = description;
    }

    /// <summary>Gets the title.</summary>
    public string Title { get; }

    /// <summary>Gets the colour.</summary>
    public string Color { get; }

    /// <summary>Gets the description.</summary>
    public string Description { get; }

    private static bool IsColor(string color) =>
        color is "good" or "warning" or "danger"
        || (color.Length == 7 && color[0] == '#' && color.AsSpan(1).ContainsOnlyHex());
}

internal static class HexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
