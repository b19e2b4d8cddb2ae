using Fluxgate.Redis;

namespace Fluxgate.Docs.Snippets.Fleet;

internal static class PlainApi
{
    public static async Task Run(CircuitBreaker payments, CircuitBreaker inventory)
    {
        #region snippet
        await using var fleet = new CircuitBreakerFleet(
            "redis.internal:6379,user=checkout-fleet,password=…,ssl=true",
            new CircuitBreakerFleetOptions { Application = "checkout" });

        fleet.Join(payments);    // the breakers this replica already has, by name
        fleet.Join(inventory);
        await fleet.StartAsync(); // returns at once: the breakers work alone until Redis answers
        #endregion
    }
}
