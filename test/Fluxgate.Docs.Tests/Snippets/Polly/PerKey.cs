using Fluxgate.Polly;
using Polly;

namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class PerKey
{
    public static async Task<string> Run(HttpClient http)
    {
        #region snippet
        var registry = new CircuitBreakerRegistry(new CircuitBreakerRegistryOptions
        {
            OptionsFactory = name => new CircuitBreakerOptions { Name = name, Tripper = Tripper.FailureStreak(5) },
            IdleTimeout = TimeSpan.FromMinutes(10),
        });

        var pipeline = new ResiliencePipelineBuilder()
            .AddFluxgate(new FluxgateStrategyOptions { BreakerSelector = context => registry.GetOrAdd(context.OperationKey ?? "default") })
            .Build();

        var context = ResilienceContextPool.Shared.Get("tenant-42");
        try
        {
            return await pipeline.ExecuteAsync(async (ctx, _) => await http.GetStringAsync(new Uri("/orders", UriKind.Relative), ctx.CancellationToken), context, 0);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
        #endregion
    }
}
