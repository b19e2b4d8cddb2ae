using Fluxgate.AspNetCore.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Fluxgate.AspNetCore.Tests.Browser;

/// <summary>
/// The picture of docs/dashboard.md: a few breakers in different states after two minutes of traffic, on a fake clock on
/// both sides (the server's FakeTimeProvider, the page's Playwright clock). It is written to docs/images/dashboard.png
/// when FLUXGATE_UPDATE_DOCS=1 (as the docs' snippets are), and to a temporary file otherwise.
/// </summary>
[Collection(BrowserGroup.Name)]
public sealed class ScreenshotTests(BrowserFixture browser)
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Screenshot_BreakersInDifferentStates_IsAPictureOfTheLivePage()
    {
        var clock = TestKit.NewClock();
        static Action<CircuitBreakerOptions> Policy(TimeSpan cooldown) => o =>
        {
            o.Window = new TimeWindow(TimeSpan.FromSeconds(30));
            o.Tripper = Tripper.MinRequests(20) & Tripper.FailureRate(0.5);
            o.Retry = Retry.Cooldown(cooldown);
            o.Permit = Permit.All();
        };
        var timeWindow = Policy(TimeSpan.FromMinutes(1));
        await using var server = await DashboardServer.StartAsync(
            services =>
            {
                services.AddCircuitBreaker("payments", timeWindow);
                services.AddCircuitBreaker("inventory", Policy(TimeSpan.FromMinutes(5)));
                services.AddCircuitBreaker("search", Policy(TimeSpan.FromSeconds(10)));
                services.AddCircuitBreaker("recommendations", timeWindow);
                services.AddCircuitBreaker("shipping-quotes", timeWindow);
                services.AddCircuitBreaker("legacy-soap", timeWindow);
                services.AddCircuitBreaker("partners/api.example.com:443", timeWindow);
                services.AddFluxgateDashboard(o =>
                {
                    o.ControlPolicy = TestAuthHandler.Policy;
                    o.HeartbeatInterval = TimeSpan.FromSeconds(30);
                });
            },
            clock);

        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1360, Height = 900 },
            TimezoneId = "UTC",
            ColorScheme = ColorScheme.Light,
        });
        try
        {
            await context.AddCookiesAsync([new Cookie { Name = TestAuthHandler.Cookie, Value = "alice", Url = server.BaseAddress.ToString() }]);
            var page = await context.NewPageAsync();
            await page.Clock.InstallAsync(new ClockInstallOptions { TimeDate = clock.GetUtcNow().UtcDateTime });
            await page.GotoAsync("fluxgate/");
            await page.Clock.RunForAsync(1_000);
            await Expect(page.Locator("#connection")).ToHaveTextAsync("live");

            var random = new Random(7);
            server.Breaker("legacy-soap").Disable();
            server.Breaker("shipping-quotes").MetricsOnly();
            for (var step = 0; step < 40; step++)
            {
                Traffic(server.Breaker("payments"), random, calls: 40 + random.Next(20), failureRate: 0.02);
                if (step < 32)
                {
                    Traffic(server.Breaker("search"), random, calls: 90 + random.Next(30), failureRate: step < 26 ? 0.05 : 0.9);
                }

                Traffic(server.Breaker("recommendations"), random, calls: 25 + random.Next(10), failureRate: 0.01);
                Traffic(server.Breaker("shipping-quotes"), random, calls: 10 + random.Next(5), failureRate: 0.4);
                Traffic(server.Breaker("partners/api.example.com:443"), random, calls: step % 4 == 0 ? 3 : 0, failureRate: 0);
                if (step < 30)
                {
                    Traffic(server.Breaker("inventory"), random, calls: 30 + random.Next(10), failureRate: step < 20 ? 0.03 : 0.95);
                }

                if (step == 36)
                {
                    server.Breaker("recommendations").ForceOpen();
                }

                clock.Advance(Step);
                await page.Clock.RunForAsync((long)Step.TotalMilliseconds);
            }

            // Its wait over, one probe in flight keeps "search" half-open for the picture.
            var probe = server.Breaker("search").BeginCall();
            Assert.True(probe.IsPermitted);
            clock.Advance(TimeSpan.FromSeconds(1));
            await page.Clock.RunForAsync(1_000);

            await Expect(page.Locator("#grid > article.breaker")).ToHaveCountAsync(7);
            await Expect(page.Locator("article.breaker[data-name=\"search\"]")).ToHaveAttributeAsync("data-state", "half_open");
            await Expect(page.Locator("article.breaker[data-name=\"recommendations\"]")).ToHaveAttributeAsync("data-state", "forced_open");
            await Expect(page.Locator("article.breaker[data-name=\"legacy-soap\"]")).ToHaveAttributeAsync("data-state", "disabled");
            await Expect(page.Locator("article.breaker[data-name=\"shipping-quotes\"]")).ToHaveAttributeAsync("data-state", "metrics_only");
            await Expect(page.Locator("article.breaker[data-name=\"payments\"]")).ToHaveAttributeAsync("data-state", "closed");

            var update = Environment.GetEnvironmentVariable("FLUXGATE_UPDATE_DOCS") == "1";
            var path = update ? Path.Combine(Repository.Root, "docs", "images", "dashboard.png") : Path.Combine(Path.GetTempPath(), $"fluxgate-dashboard-{Guid.NewGuid():N}.png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
                var png = await File.ReadAllBytesAsync(path);
                Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
                Assert.True(png.Length > 20_000, $"the picture has {png.Length} bytes");
            }
            finally
            {
                if (!update)
                {
                    File.Delete(path);
                }
            }

            probe.Complete();
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    private static void Traffic(CircuitBreaker breaker, Random random, int calls, double failureRate)
    {
        for (var i = 0; i < calls; i++)
        {
            var fail = random.NextDouble() < failureRate;
            try
            {
                breaker.TryExecute(() => fail ? throw new InvalidOperationException() : 1, out _);   // false while open: rejected
            }
            catch (InvalidOperationException)
            {
                // A failed call, counted by the breaker.
            }
        }
    }
}
