using System.Collections.Concurrent;
using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Breaker;

/// <summary>Many threads and async callers on one breaker: nothing lost, nothing skipped, limits held.</summary>
public class ConcurrencyTests
{
    private static readonly int Threads = Math.Max(4, Environment.ProcessorCount * 2);

    [Fact]
    public async Task ManyThreadsAndAsyncCallers_NoOutcomeIsLostOrCountedTwice()
    {
        const int CallsPerWorker = 20_000;
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureStreak(int.MaxValue), new CountWindow(CountWindow.MaxSize));
        var breaker = new CircuitBreaker(options);
        using var start = new Barrier(Threads);

        var workers = Enumerable.Range(0, Threads).Select(worker => Task.Factory.StartNew(
            async () =>
            {
                start.SignalAndWait();
                for (var i = 0; i < CallsPerWorker; i++)
                {
                    var fail = (i + worker) % 4 == 0;
                    if (worker % 2 == 0)
                    {
                        try
                        {
                            breaker.Execute(() => fail ? throw new TrackedException() : 1);
                        }
                        catch (TrackedException)
                        {
                        }
                    }
                    else
                    {
                        try
                        {
                            await breaker.ExecuteAsync(async _ =>
                            {
                                if (i % 64 == 0)
                                {
                                    await Task.Yield();
                                }

                                return fail ? throw new TrackedException() : 1;
                            });
                        }
                        catch (TrackedException)
                        {
                        }
                    }
                }
            },
            TaskCreationOptions.LongRunning).Unwrap()).ToArray();
        await Task.WhenAll(workers);

        var metrics = breaker.GetInfo().Metrics;
        Assert.Equal(Threads * CallsPerWorker, metrics.TotalCount);
        Assert.Equal(Threads * CallsPerWorker / 4, metrics.FailureCount);
    }

    [Fact]
    public async Task ManyThreadsTrippingAndProbing_TransitionsFormOneChainSeenIdenticallyByEveryListener()
    {
        var clock = TestKit.NewClock();
        var first = new RecordingListener();
        var second = new RecordingListener();
        var options = TestKit.Options(clock, Tripper.FailureStreak(3) | (Tripper.HalfOpened() & Tripper.FailureRate(0.5)));
        options.Retry = Retry.Always();
        options.MaxHalfOpenCalls = 4;
        options.Listeners.Add(first);
        options.Listeners.Add(second);
        var breaker = new CircuitBreaker(options);
        var resets = 0;

        await Parallel.ForAsync(0, Threads, async (worker, ct) =>
        {
            var random = new Random(worker);
            for (var i = 0; i < 5_000; i++)
            {
                if (worker == 0 && i % 500 == 0)
                {
                    breaker.Reset();
                    Interlocked.Increment(ref resets);
                    continue;
                }

                var fail = random.Next(3) == 0;
                await breaker.TryExecuteAsync(_ => fail ? ValueTask.FromException<int>(new TrackedException()) : new ValueTask<int>(1), ct)
                    .AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
        });

        var signals = first.Signals;
        Assert.True(signals.Count > 10, $"only {signals.Count} transitions: the test did not exercise the state machine");
        Assert.Equal(CircuitState.Closed, signals[0].OldState);
        for (var i = 1; i < signals.Count; i++)
        {
            Assert.Equal(signals[i - 1].NewState, signals[i].OldState);
        }

        Assert.Equal(breaker.State, signals[^1].NewState);
        Assert.Equal(signals, second.Signals);
        Assert.Equal(resets, signals.Count(s => s.NewState == CircuitState.Closed && (s.OldState == CircuitState.Closed || s.OldState == CircuitState.Open)));
    }

    [Fact]
    public async Task HalfOpen_UnderLoad_NeverRunsMoreThanMaxHalfOpenCallsAtOnce()
    {
        const int Max = 3;
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, (Tripper.Closed() & Tripper.FailureStreak(1)) | Tripper.HalfOpened());
        options.Retry = Retry.Always();
        options.MaxHalfOpenCalls = Max;
        var breaker = new CircuitBreaker(options);
        breaker.Fail(clock);
        var running = 0;
        var peak = 0;
        var admitted = 0;
        var rejected = 0;

        await Parallel.ForAsync(0, Threads, async (worker, ct) =>
        {
            for (var i = 0; i < 500; i++)
            {
                // Several attempts at once per worker, so that more than Max are always competing.
                var batch = Enumerable.Range(0, 4).Select(j => breaker.TryExecuteAsync(async _ =>
                {
                    var now = Interlocked.Increment(ref running);
                    InterlockedMax(ref peak, now);
                    await Task.Yield();
                    Interlocked.Decrement(ref running);
                    return (i + j + worker) % 7 == 0 ? throw new TrackedException() : 1;
                }).AsTask().ContinueWith(t => t.IsFaulted || t.Result.IsPermitted, TaskScheduler.Default)).ToArray();
                foreach (var attempt in await Task.WhenAll(batch))
                {
                    Interlocked.Increment(ref attempt ? ref admitted : ref rejected);
                }
            }
        });

        Assert.InRange(peak, 1, Max);
        Assert.True(rejected > 0, "the limit was never reached, so the test proved nothing");
        Assert.True(admitted > 0);
    }

    [Fact]
    public async Task ConcurrentSyncListenerDelivery_IsOrderedAndExactlyOnceWhileCallersRace()
    {
        var clock = TestKit.NewClock();
        var delivered = new ConcurrentQueue<Signal>();
        var inListener = 0;
        var overlapped = false;
        var listener = new Listener(signal =>
        {
            overlapped |= Interlocked.Increment(ref inListener) > 1;
            delivered.Enqueue(signal);
            Thread.SpinWait(200);
            Interlocked.Decrement(ref inListener);
        });
        var options = TestKit.Options(clock, Tripper.FailureStreak(1));
        options.Retry = Retry.Always();
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        var transitionsCaused = 0;

        await Parallel.ForAsync(0, Threads, (worker, ct) =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                switch ((i + worker) % 3)
                {
                    case 0:
                        breaker.ForceOpen();
                        Interlocked.Increment(ref transitionsCaused);
                        break;
                    case 1:
                        breaker.Reset();
                        Interlocked.Increment(ref transitionsCaused);
                        break;
                    default:
                        breaker.TryExecute(() => 1, out _);
                        break;
                }
            }

            return ValueTask.CompletedTask;
        });

        var signals = delivered.ToArray();
        Assert.False(overlapped, "a sync listener ran on two threads at once");
        Assert.Equal(transitionsCaused, signals.Length);
        for (var i = 1; i < signals.Length; i++)
        {
            Assert.Equal(signals[i - 1].NewState, signals[i].OldState);
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private sealed class Listener(Action<Signal> onSignal) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => onSignal(signal);
    }
}
