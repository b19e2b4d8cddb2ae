using Fluxgate.Redis;

namespace Fluxgate.Docs.Snippets.Fleet;

internal static class PlainApi
{
    public static async Task Run(CircuitBreaker payments, CircuitBreaker inventory)
    {
        #region snippet
        await using var fleet = await CircuitBreakerFleet.ConnectAsync(
            "redis.internal:6379,user=checkout-fleet,password=…,ssl=true",
            new CircuitBreakerFleetOptions { Application = "checkout" });

        fleet.Join(payments);   // the breakers this replica already has, by name
        fleet.Join(inventory);
        #endregion
    }
}
