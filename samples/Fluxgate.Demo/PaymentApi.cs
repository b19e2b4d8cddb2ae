namespace Fluxgate.Demo;

/// <summary>A simulated payment API: healthy, then down for 90 seconds, then healthy again.</summary>
internal sealed class PaymentApi(VirtualClock clock)
{
    public static readonly TimeSpan OutageStart = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan OutageEnd = TimeSpan.FromSeconds(150);

    private readonly Random _random = new(42);

    public string Phase(TimeSpan at) => at < OutageStart ? "healthy" : at < OutageEnd ? "outage" : "recovered";

    /// <summary>Charges an amount: 20 ms and a 2% error rate when healthy, a 200 ms connection failure during the outage.</summary>
    public string Charge(decimal amount)
    {
        if (Phase(clock.Elapsed) == "outage")
        {
            clock.Advance(TimeSpan.FromMilliseconds(200));
            throw new HttpRequestException("connection refused");
        }

        clock.Advance(TimeSpan.FromMilliseconds(20));
        return _random.NextDouble() < 0.02
            ? throw new HttpRequestException("503 Service Unavailable")
            : $"receipt for {amount:0.00}";
    }
}
