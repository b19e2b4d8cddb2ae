namespace Fluxgate.Tests.Registry;

public class CircuitBreakerReconfigurationExceptionTests
{
    [Fact]
    public void Constructors_KeepWhatTheyAreGiven()
    {
        var inner = new InvalidOperationException("bad value");

        Assert.Equal("A circuit breaker could not be reconfigured and keeps its settings.", new CircuitBreakerReconfigurationException().Message);
        Assert.Equal(string.Empty, new CircuitBreakerReconfigurationException("m").CircuitName);
        Assert.Same(inner, new CircuitBreakerReconfigurationException("m", inner).InnerException);
        Assert.Equal(string.Empty, new CircuitBreakerReconfigurationException("m", inner).CircuitName);
        var named = new CircuitBreakerReconfigurationException("payments", "payments keeps its settings", inner);
        Assert.Equal(("payments", "payments keeps its settings"), (named.CircuitName, named.Message));
        Assert.Equal("circuitName", Assert.Throws<ArgumentNullException>(() => new CircuitBreakerReconfigurationException(null!, "m", inner)).ParamName);
    }

    [Fact]
    public void OptionsFactoryReturningNull_IsAClearError()
    {
        using var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions { OptionsFactory = _ => null! });

        var error = Assert.Throws<InvalidOperationException>(() => registry.GetOrAdd("x"));

        Assert.Contains("OptionsFactory returned null for 'x'", error.Message, StringComparison.Ordinal);
    }
}
