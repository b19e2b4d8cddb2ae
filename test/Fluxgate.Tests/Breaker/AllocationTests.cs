using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// The allocation rule: nothing is allocated on the success path of Execute/ExecuteAsync (synchronous completion)
/// with any built-in component, and nothing for a non-throwing rejection. Counted with <see cref="GC.GetAllocatedBytesForCurrentThread"/>, after warm-up.
/// BeginCall behaves the same in every build: a closed call begun and reported allocates nothing either.
/// </summary>
[Collection(MeterSerial.Name)]
public class AllocationTests
{
    private const int Calls = 10_000;

    public static TheoryData<string> Configurations => ["count", "time", "time-with-slow-thresholds", "every-component"];

    private static CircuitBreaker Create(string configuration) => new(configuration switch
    {
        "count" => new CircuitBreakerOptions { Window = new CountWindow(100) },
        "time" => new CircuitBreakerOptions { Window = new TimeWindow(TimeSpan.FromSeconds(60)) },
        "time-with-slow-thresholds" => new CircuitBreakerOptions
        {
            Window = new TimeWindow(TimeSpan.FromSeconds(60)),
            Tripper = Tripper.MinRequests(10) & (Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)) | Tripper.SlowRate(0.9, TimeSpan.FromSeconds(5)) | Tripper.FailureRate(0.5)),
        },
        _ => new CircuitBreakerOptions
        {
            Window = new CountWindow(1000),
            Tracker = (Tracker.TypeOf<IOException>() | Tracker.TypeOf(typeof(TimeoutException))) & ~Tracker.Custom(e => e is FileNotFoundException),
            Tripper = Tripper.MinRequests(20) & ((Tripper.Closed() & Tripper.FailureRate(0.6)) | (Tripper.HalfOpened() & Tripper.FailureRate(0.5)) | Tripper.AvgLatency(TimeSpan.FromSeconds(2)) | Tripper.FailureStreak(10) | Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1))),
            Retry = Retry.Backoff(TimeSpan.FromSeconds(10), jitterRatio: 0.1),
            Permit = Permit.RampUp(0.1, 0.5, TimeSpan.FromSeconds(60)),
            ResultTracker = ResultTracker.When<int>(r => r < 0),
        },
    });

    [Theory]
    [MemberData(nameof(Configurations))]
    public void BeginCall_ClosedSuccess_AllocatesNothing(string configuration)
    {
        var breaker = Create(configuration);

        Assert.Equal(0, AllocatedBy(() => breaker.BeginCall().Complete(42)));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Execute_ClosedSuccess_AllocatesNothing(string configuration)
    {
        var breaker = Create(configuration);

        Assert.Equal(0, AllocatedBy(() =>
        {
            breaker.Execute(static () => 42);
            breaker.Execute(static s => s + 1, 41);
            breaker.TryExecute(static () => 42, out _);
            breaker.Execute(static () => { });
        }));
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void ExecuteAsync_SynchronouslyCompletingSuccess_AllocatesNothing(string configuration)
    {
        var breaker = Create(configuration);

        Assert.Equal(0, AllocatedBy(() =>
        {
            var result = breaker.ExecuteAsync(static _ => new ValueTask<int>(42));
            var state = breaker.ExecuteAsync(static (s, _) => new ValueTask<int>(s), 42);
            var plain = breaker.ExecuteAsync(static _ => ValueTask.CompletedTask);
            var attempt = breaker.TryExecuteAsync(static _ => new ValueTask<int>(42));
            if (!result.IsCompletedSuccessfully || !state.IsCompletedSuccessfully || !plain.IsCompletedSuccessfully || !attempt.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("expected synchronous completion");
            }
        }));
    }

    [Fact]
    public void TryExecute_Rejected_AllocatesNothing()
    {
        var breaker = Create("count");
        breaker.ForceOpen();

        Assert.Equal(0, AllocatedBy(() =>
        {
            var attempt = breaker.TryExecuteAsync(static _ => new ValueTask<int>(1));
            if (breaker.TryExecute(static () => 42, out _) || !attempt.IsCompletedSuccessfully || attempt.Result.IsPermitted)
            {
                throw new InvalidOperationException("expected a rejection");
            }
        }));
    }

    [Theory]
    [InlineData(CircuitState.ForcedOpen)]
    [InlineData(CircuitState.Open)]
    public void BeginCall_Rejected_AllocatesNothing(CircuitState state)
    {
        var breaker = Create("count");
        if (state == CircuitState.ForcedOpen)
        {
            breaker.ForceOpen();
        }
        else
        {
            breaker.Trip();
        }

        Assert.Equal(0, AllocatedBy(() =>
        {
            var call = breaker.BeginCall();
            if (call.IsPermitted || call.RetryAfter is { } wait && wait < TimeSpan.Zero)
            {
                throw new InvalidOperationException("expected a rejection");
            }
        }));
    }

    [Fact]
    public void AllocatedBy_CountsAllocations_SoAZeroMeansSomething() =>
        Assert.True(AllocatedBy(() => GC.KeepAlive(new object())) >= Calls * 16);

    /// <summary>The bytes <paramref name="call"/> allocates over <see cref="Calls"/> calls after warm-up: the least of three rounds.</summary>
    /// <remarks>
    /// An allocation per call shows in every round (at least 16 bytes × 10,000). The runtime may allocate once on this thread
    /// while the loop runs (a full test run on two frameworks saw 7,640 bytes in one round of BeginCall's, not reproduced
    /// alone in 5 runs), which no later round repeats.
    /// </remarks>
    private static long AllocatedBy(Action call)
    {
        for (var i = 0; i < 1_000; i++)
        {
            call();
        }

        var least = long.MaxValue;
        for (var round = 0; round < 3 && least > 0; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Calls; i++)
            {
                call();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
