namespace Fluxgate.Redis;

/// <summary>
/// Redis could not serve a fleet operation that needs it (a view, or a command when the fleet stops before storing it).
/// The breakers are unaffected: they keep working on their own.
/// </summary>
public sealed class FleetUnavailableException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public FleetUnavailableException()
        : base("Redis is unavailable to the fleet.")
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    /// <param name="message">What could not be done, and why.</param>
    public FleetUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the client's exception.</summary>
    /// <param name="message">What could not be done, and why.</param>
    /// <param name="innerException">The Redis client's exception.</param>
    public FleetUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
