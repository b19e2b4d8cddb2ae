using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Reliability;

/// <summary>
/// The memory a window costs is fixed when the breaker is built and documented per slot (docs/reliability.md):
/// 8 bytes per call of a <see cref="CountWindow"/>, 24 bytes per second of a <see cref="TimeWindow"/> plus 4 per
/// second and slow threshold. Recording outcomes, however many, adds nothing. Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> on the largest sizes the factories accept.
/// </summary>
[Collection(MeterSerial.Name)]
public class WindowMemoryTests
{
    /// <summary>
    /// What building a breaker costs besides its window's arrays (options, parts, period, and now and then the growth of
    /// the process-wide list the meter observes breakers through): a few kilobytes, far below one slot array.
    /// </summary>
    private const long Overhead = 64 * 1024;

    /// <summary>
    /// Bytes that recording 100,000 outcomes or more may allocate: none per outcome (one object per call would be
    /// megabytes). Once in several full-suite runs, 4,032 B were counted on the thread during the loop, not
    /// reproducible alone and not from the breaker's code paths (presumably the runtime); exact zero per call on the
    /// hot path is asserted by AllocationTests.
    /// </summary>
    private const long NotPerCall = 16 * 1024;

    /// <summary>One delegate for every call: a lambda's cached delegate is allocated on its first run, per call site.</summary>
    private static readonly Func<int> Zero = static () => 0;

    [Fact]
    public void CountWindow_LargestSize_CostsEightBytesPerCallAndNothingPerOutcome()
    {
        var clock = TestKit.NewClock();
        var before = GC.GetAllocatedBytesForCurrentThread();
        var breaker = new CircuitBreaker(TestKit.Options(clock, Tripper.MinRequests(CountWindow.MaxSize) & Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)), new CountWindow(CountWindow.MaxSize)));
        var built = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.InRange(built, 8L * CountWindow.MaxSize, (8L * CountWindow.MaxSize) + Overhead);
        Assert.InRange(AllocatedRecording(breaker, clock, calls: 200_000, advanceEvery: 1_000), 0, NotPerCall);
        Assert.Equal(200_000 + 2, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void TimeWindow_LargestSize_CostsTwentyFourBytesPerSecondPlusFourPerThreshold()
    {
        var clock = TestKit.NewClock();
        var seconds = (long)TimeWindow.MaxSize.TotalSeconds;
        var tripper = Tripper.MinRequests(10) & (Tripper.SlowRate(0.5, TimeSpan.FromSeconds(1)) | Tripper.SlowRate(0.9, TimeSpan.FromSeconds(5)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var plain = new CircuitBreaker(TestKit.Options(clock, Tripper.MinRequests(10) & Tripper.FailureRate(0.5), new TimeWindow(TimeWindow.MaxSize)));
        var middle = GC.GetAllocatedBytesForCurrentThread();
        var slow = new CircuitBreaker(TestKit.Options(clock, tripper, new TimeWindow(TimeWindow.MaxSize)));
        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.InRange(middle - before, 24 * seconds, (24 * seconds) + Overhead);
        Assert.InRange(after - middle, 32 * seconds, (32 * seconds) + Overhead);
        Assert.InRange(AllocatedRecording(plain, clock, calls: 100_000, advanceEvery: 10), 0, NotPerCall);
        Assert.InRange(AllocatedRecording(slow, clock, calls: 100_000, advanceEvery: 10), 0, NotPerCall);
    }

    /// <summary>Bytes allocated by this thread while <paramref name="calls"/> outcomes are recorded, the clock moving on every <paramref name="advanceEvery"/> calls.</summary>
    private static long AllocatedRecording(CircuitBreaker breaker, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, int calls, int advanceEvery)
    {
        // Warm-up, out of the measurement: the first call, and the first one in a new second (which moves a time
        // window's buckets), run code for the first time, and first runs may allocate in the runtime.
        breaker.Execute(Zero);
        clock.Advance(TimeSpan.FromSeconds(1));
        breaker.Execute(Zero);
        long allocated = 0;
        for (var i = 0; i < calls; i++)
        {
            if (i % advanceEvery == 0)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            breaker.Execute(Zero);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return allocated;
    }
}
