namespace Fluxgate;

/// <summary>A component expression (<c>MinRequests(20) &amp; FailureRate(0.5)</c>) that could not be read: where, what was expected and what was found.</summary>
public sealed class ExpressionException : FormatException
{
    /// <summary>Creates an exception with a generic message.</summary>
    public ExpressionException()
        : this("The expression could not be read.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public ExpressionException(string message)
        : base(message)
    {
        Expression = string.Empty;
        Expected = string.Empty;
        Found = string.Empty;
    }

    /// <summary>Creates an exception with <paramref name="message"/> and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ExpressionException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Expression = string.Empty;
        Expected = string.Empty;
        Found = string.Empty;
    }

    /// <summary>Creates an exception for <paramref name="expression"/>.</summary>
    /// <param name="expression">The whole expression.</param>
    /// <param name="position">The 1-based position of the problem.</param>
    /// <param name="expected">What the reader expected there.</param>
    /// <param name="found">What it found (a quoted token, or <c>end of input</c>).</param>
    /// <param name="innerException">The cause, such as a factory's validation error.</param>
    public ExpressionException(string expression, int position, string expected, string found, Exception? innerException = null)
        : base($"Expected {expected} at position {position}, found {found}.", innerException)
    {
        Expression = expression;
        Position = position;
        Expected = expected;
        Found = found;
    }

    /// <summary>Gets the whole expression.</summary>
    public string Expression { get; }

    /// <summary>Gets the 1-based position (character column) of the problem.</summary>
    public int Position { get; }

    /// <summary>Gets what was expected at <see cref="Position"/>.</summary>
    public string Expected { get; }

    /// <summary>Gets what was found at <see cref="Position"/>.</summary>
    public string Found { get; }
}
