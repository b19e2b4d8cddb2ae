namespace Fluxgate.Slack;

/// <summary>Slack did not post a message: an HTTP error, an <c>ok: false</c> answer, a timeout or an unreadable answer.</summary>
/// <remarks>
/// Thrown by <see cref="SlackListener.OnStateChangedAsync"/> and so reported by the breaker to its failure
/// hooks; never thrown to a protected call. Messages never contain the token.
/// </remarks>
public sealed class SlackApiException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public SlackApiException()
        : this("Slack did not post the message.")
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/>.</summary>
    /// <param name="message">The message.</param>
    public SlackApiException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with <paramref name="message"/> and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public SlackApiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception describing Slack's answer.</summary>
    /// <param name="message">The message.</param>
    /// <param name="statusCode">The HTTP status, when an answer came.</param>
    /// <param name="error">Slack's <c>error</c> field, when it answered <c>ok: false</c>.</param>
    /// <param name="innerException">The cause, if any.</param>
    public SlackApiException(string message, int? statusCode, string? error, Exception? innerException)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Error = error;
    }

    /// <summary>Gets the HTTP status of Slack's answer, when one came.</summary>
    public int? StatusCode { get; }

    /// <summary>Gets Slack's <c>error</c> code (e.g. <c>channel_not_found</c>) when it answered <c>ok: false</c>.</summary>
    public string? Error { get; }
}
