namespace Fluxgate.Tests.Support;

/// <summary>
/// A fake clock without its timers: time and timestamps come from <paramref name="clock"/>, but a timer made through it
/// never fires, so a component's own loop (a heartbeat, a sweep) stays still and only the test drives it.
/// </summary>
/// <param name="clock">The test's clock.</param>
public sealed class WithoutTimers(FakeTimeProvider clock) : TimeProvider
{
    public override long TimestampFrequency => clock.TimestampFrequency;

    public override long GetTimestamp() => clock.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        clock.CreateTimer(callback, state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
}
