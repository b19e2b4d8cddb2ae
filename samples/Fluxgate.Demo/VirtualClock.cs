namespace Fluxgate.Demo;

/// <summary>
/// A clock the demo moves by hand, so five minutes of traffic run in a fraction of a second.
/// The breaker takes all its time from it (<see cref="CircuitBreakerOptions.TimeProvider"/>).
/// </summary>
internal sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks;

    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref _ticks));

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => start + Elapsed;

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
