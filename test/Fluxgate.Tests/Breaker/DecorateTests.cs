using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

public class DecorateTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    private static decimal Charge(decimal amount) => amount * 2;

    [Fact]
    public void Decorate_SyncFunctionsOfEveryArity_RunThroughTheBreaker()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));

        Func<decimal, decimal> charge = breaker.Decorate<decimal, decimal>(Charge);
        var zero = breaker.Decorate(() => 1);
        var two = breaker.Decorate((int a, int b) => a + b);
        var three = breaker.Decorate(((int A, int B, int C) t) => t.A + t.B + t.C); // more than two: one tuple

        Assert.Equal(20m, charge(10m));
        Assert.Equal(1, zero());
        Assert.Equal(3, two(1, 2));
        Assert.Equal(6, three((1, 2, 3)));
        Assert.Equal(4, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Decorate_ActionsOfEveryArity_RunThroughTheBreaker()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var sum = 0;

        breaker.Decorate(() => { sum += 1; })();
        breaker.Decorate((int a) => { sum += a; })(10);
        breaker.Decorate((int a, int b) => { sum += a + b; })(100, 100);
        breaker.Decorate(((int A, int B, int C) t) => { sum += t.A + t.B + t.C; })((1000, 1000, 1000));

        Assert.Equal(3211, sum);
        Assert.Equal(4, breaker.GetInfo().Metrics.TotalCount);
    }

    [Fact]
    public void Decorate_Failures_AreTrackedAndRejectionsThrow()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        var failing = breaker.Decorate(int (int _) => throw new TrackedException());

        Assert.Throws<TrackedException>(() => failing(1));
        Assert.Throws<CallNotPermittedException>(() => failing(1));
    }

    [Fact]
    public void Decorate_WithFallback_AnswersFromTheFallback()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        var seen = new List<Type>();
        var fetch = breaker.Decorate((string key) => key.Length > 0 ? throw new TrackedException() : 0, ex => { seen.Add(ex.GetType()); return -1; });
        var log = breaker.Decorate((string _) => throw new TrackedException(), ex => seen.Add(ex.GetType()));

        Assert.Equal(-1, fetch("a"));
        Assert.Equal(-1, fetch("a"));
        log("b");

        Assert.Equal([typeof(TrackedException), typeof(CallNotPermittedException), typeof(CallNotPermittedException)], seen);
    }

    [Fact]
    public async Task Decorate_AsyncFunctions_RecordWhenTheTaskCompletes()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var fetch = breaker.Decorate((int id) => gate.Task);

        var pending = fetch(1);
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);
        gate.SetResult(5);

        Assert.Equal(5, await pending);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(3, await breaker.Decorate(async (int a, int b) => { await Task.Yield(); return a + b; })(1, 2));
        Assert.Equal(1, await breaker.Decorate(() => Task.FromResult(1))());
        Assert.Equal(6, await breaker.Decorate(((int A, int B, int C) t) => Task.FromResult(t.A + t.B + t.C))((1, 2, 3)));
    }

    [Fact]
    public async Task Decorate_AsyncActions_RecordFailuresWhenTheTaskFaults()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(2)));
        var send = breaker.Decorate(async (string message) =>
        {
            await Task.Yield();
            throw new TrackedException(message);
        });

        await Assert.ThrowsAsync<TrackedException>(() => send("a"));
        await Assert.ThrowsAsync<TrackedException>(() => send("b"));

        await Assert.ThrowsAsync<CallNotPermittedException>(() => send("c"));
        await Assert.ThrowsAsync<CallNotPermittedException>(() => breaker.Decorate(() => Task.CompletedTask)());
    }

    [Fact]
    public async Task Decorate_AsyncWithFallback_AnswersFromTheFallback()
    {
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(1)));
        var seen = new List<Type>();
        var fetch = breaker.Decorate(async (int id) => { await Task.Yield(); return id > 0 ? throw new TrackedException() : id; }, ex => { seen.Add(ex.GetType()); return -1; });
        var notify = breaker.Decorate(async (int _) => await Task.Yield(), ex => seen.Add(ex.GetType()));

        Assert.Equal(-1, await fetch(1));
        Assert.Equal(-1, await fetch(1));
        await notify(1);

        Assert.Equal([typeof(TrackedException), typeof(CallNotPermittedException), typeof(CallNotPermittedException)], seen);
    }

    [Fact]
    public void Decorate_NullDelegates_Throw()
    {
        var breaker = new CircuitBreaker(Options(_clock));

        Assert.Throws<ArgumentNullException>(() => breaker.Decorate((Action)null!));
        Assert.Throws<ArgumentNullException>(() => breaker.Decorate((Func<Task>)null!));
        Assert.Throws<ArgumentNullException>(() => breaker.Decorate(() => 1, null!));
        Assert.Throws<ArgumentNullException>(() => breaker.Decorate((int _) => Task.CompletedTask, null!));
    }
}
