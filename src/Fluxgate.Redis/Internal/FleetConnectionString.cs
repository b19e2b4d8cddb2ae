using StackExchange.Redis;

namespace Fluxgate.Redis.Internal;

/// <summary>Reads a StackExchange.Redis configuration string with errors that say which option is wrong and what is expected.</summary>
internal static class FleetConnectionString
{
    /// <summary>Parses <paramref name="configuration"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="configuration"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">An unknown option, a bad value, a URL, or no endpoint; the message names it (never the password).</exception>
    public static ConfigurationOptions Parse(string configuration, string parameter)
    {
        ArgumentNullException.ThrowIfNull(configuration, parameter);
        if (configuration.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException("A URL such as 'redis://host:port' is not a StackExchange.Redis configuration string: write 'host:port' followed by options, e.g. 'redis.internal:6379,user=fluxgate,password=…,ssl=true'.", parameter);
        }

        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException exception)
        {
            // The client names the keyword (or the keyword and the value it refused); it never echoes the whole string.
            throw new ArgumentException($"Not a valid StackExchange.Redis configuration string: {exception.Message.Split(" (Parameter", 2)[0]} Options are written 'name=value' after the endpoints, e.g. 'connectTimeout=5000'; see StackExchange.Redis's configuration documentation for the names.", parameter, exception);
        }

        return Check(options, parameter);
    }

    /// <summary>Checks that <paramref name="configuration"/> names at least one endpoint.</summary>
    public static ConfigurationOptions Check(ConfigurationOptions configuration, string parameter)
    {
        ArgumentNullException.ThrowIfNull(configuration, parameter);
        if (configuration.EndPoints.Count == 0)
        {
            throw new ArgumentException("The Redis configuration names no endpoint: write 'host:port', e.g. 'redis.internal:6379'.", parameter);
        }

        return configuration;
    }
}
