using System.Collections.Concurrent;

namespace Fluxgate.Tests.Support;

/// <summary>An exception the tests' trackers count as a failure.</summary>
public sealed class TrackedException(string message = "tracked") : Exception(message);

/// <summary>An exception the tests' trackers ignore.</summary>
public sealed class UntrackedException(string message = "untracked") : Exception(message);

/// <summary>Shared helpers: a fake clock, options that count only <see cref="TrackedException"/>, and calls that take a given time.</summary>
public static class TestKit
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider NewClock() => new(Epoch);

    /// <summary>Options with a fake clock, a tracker for <see cref="TrackedException"/>, all probes permitted and a short cooldown.</summary>
    public static CircuitBreakerOptions Options(FakeTimeProvider clock, Tripper? tripper = null, Window? window = null) => new()
    {
        Name = "test",
        TimeProvider = clock,
        Window = window ?? new CountWindow(10),
        Tracker = Tracker.TypeOf<TrackedException>(),
        Tripper = tripper ?? Tripper.MinRequests(2) & Tripper.FailureRate(0.5),
        Retry = Retry.Cooldown(TimeSpan.FromSeconds(10)),
        Permit = Permit.All(),
    };

    /// <summary>Runs a successful call that takes <paramref name="duration"/> on the fake clock.</summary>
    public static int Succeed(this CircuitBreaker breaker, FakeTimeProvider clock, TimeSpan duration = default)
    {
        return breaker.Execute(() =>
        {
            if (duration > TimeSpan.Zero)
            {
                clock.Advance(duration);
            }

            return 42;
        });
    }

    /// <summary>Runs a call that throws a tracked exception after <paramref name="duration"/>, and checks it reached the caller.</summary>
    public static TrackedException Fail(this CircuitBreaker breaker, FakeTimeProvider clock, TimeSpan duration = default)
    {
        return Assert.Throws<TrackedException>(() => breaker.Execute(() =>
        {
            if (duration > TimeSpan.Zero)
            {
                clock.Advance(duration);
            }

            throw new TrackedException();
        }));
    }

    /// <summary>Runs a call that throws an untracked exception.</summary>
    public static void FailUntracked(this CircuitBreaker breaker) =>
        Assert.Throws<UntrackedException>(() => breaker.Execute(() => throw new UntrackedException()));

    /// <summary>Asserts that the breaker rejects a call without running it, and returns the exception.</summary>
    public static CallNotPermittedException AssertRejects(this CircuitBreaker breaker)
    {
        var ran = false;
        var rejection = Assert.Throws<CallNotPermittedException>(() => breaker.Execute(() => ran = true));
        Assert.False(ran, "a rejected call must not run");
        return rejection;
    }

    /// <summary>Completes when <paramref name="cancellationToken"/> is cancelled (and never otherwise): a call that hangs until its caller gives up.</summary>
    public static Task UntilCancelled(CancellationToken cancellationToken)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        cancellationToken.Register(static state => ((TaskCompletionSource)state!).TrySetCanceled(), cancelled);
        return cancelled.Task;
    }

    /// <summary>Drives a breaker built from <see cref="Options"/> (MinRequests(2) &amp; FailureRate(0.5)) to open.</summary>
    public static void OpenWithFailures(this CircuitBreaker breaker, FakeTimeProvider clock)
    {
        breaker.Fail(clock);
        breaker.Fail(clock);
        Assert.Equal(CircuitState.Open, breaker.State);
    }
}

/// <summary>A sync listener that records every signal, thread-safely.</summary>
public sealed class RecordingListener : ICircuitBreakerListener
{
    private readonly ConcurrentQueue<Signal> _signals = new();

    public IReadOnlyList<Signal> Signals => [.. _signals];

    public IReadOnlyList<(CircuitState From, CircuitState To)> Transitions => [.. _signals.Select(s => (s.OldState, s.NewState))];

    public void OnStateChanged(Signal signal) => _signals.Enqueue(signal);
}

/// <summary>A tripper whose answer the test sets, and which records every context it sees.</summary>
public sealed class ScriptedTripper : Tripper
{
    private readonly ConcurrentQueue<CallContext> _contexts = new();

    public bool Answer { get; set; }

    public IReadOnlyList<CallContext> Contexts => [.. _contexts];

    public override bool Evaluate(CallContext context)
    {
        _contexts.Enqueue(context);
        return Answer;
    }
}

/// <summary>A retry that returns a set wait and records what it was asked.</summary>
public sealed class ScriptedRetry(TimeSpan wait) : Retry
{
    private readonly ConcurrentQueue<int> _asked = new();

    public IReadOnlyList<int> Asked => [.. _asked];

    public override TimeSpan GetWaitDuration(int reopens)
    {
        _asked.Enqueue(reopens);
        return wait;
    }
}

/// <summary>A permit that returns a set answer and records the elapsed times it was given.</summary>
public sealed class ScriptedPermit : Permit
{
    private readonly ConcurrentQueue<TimeSpan> _asked = new();

    public bool Answer { get; set; } = true;

    public IReadOnlyList<TimeSpan> Asked => [.. _asked];

    public override bool Admit(TimeSpan elapsedSinceHalfOpen)
    {
        _asked.Enqueue(elapsedSinceHalfOpen);
        return Answer;
    }
}

/// <summary>A <see cref="Random"/> that returns a scripted sequence of doubles, for checking the formulas that draw from it.</summary>
public sealed class SequenceRandom(params double[] values) : Random
{
    private int _next;

    public int Draws => _next;

    public override double NextDouble() => values[_next++ % values.Length];

    protected override double Sample() => NextDouble();
}

/// <summary>A listener that hands every failure the breaker contained to <paramref name="record"/> (the one channel for failures), and ignores transitions.</summary>
public sealed class FailureRecorder(Action<CircuitBreakerFailure> record) : ICircuitBreakerListener
{
    public void OnStateChanged(Signal signal)
    {
    }

    public void OnFailure(CircuitBreakerFailure failure) => record(failure);
}
