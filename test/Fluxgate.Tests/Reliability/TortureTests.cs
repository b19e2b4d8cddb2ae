using System.Collections.Concurrent;
using System.Diagnostics;
using Fluxgate.Tests.Support;
using Xunit.Abstractions;

namespace Fluxgate.Tests.Reliability;

/// <summary>
/// Sync and async callers on every core, a controller flipping the state by hand, and listeners that read the
/// breaker and even reset it, for a bounded time (FLUXGATE_TORTURE_SECONDS, 6 s by default). Checked continuously and
/// at the end: every outcome is counted in its period at most once and none that had to be counted is missing,
/// transitions form one chain, no more probes run at once than MaxHalfOpenCalls, every listener sees the same ordered
/// stream exactly once, the window is never touched by two threads at once, and nothing deadlocks.
/// </summary>
[Trait("Category", "Slow")]
public class TortureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(
        double.TryParse(Environment.GetEnvironmentVariable("FLUXGATE_TORTURE_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : 6);

    [Fact]
    public async Task Torture_CallersManualControlAndReentrantListeners_LoseNothingAndStayConsistent()
    {
        var window = new AuditWindow();
        var clock = new UniqueWallClock();
        var ordered = new OrderedListener();
        var asyncListener = new RecordingAsyncListener();
        CircuitBreaker? breaker = null;
        var reentrant = new ReentrantListener(() => breaker!);
        var failures = new ConcurrentQueue<CircuitBreakerFailure>();
        var options = new CircuitBreakerOptions
        {
            Name = "torture",
            Window = window,
            Tracker = Tracker.TypeOf<TrackedException>(),
            Tripper = (Tripper.Closed() & Tripper.FailureStreak(4)) | (Tripper.HalfOpened() & Tripper.MinRequests(2) & Tripper.FailureRate(0.5)),
            Retry = Retry.Always(),
            Permit = new ProbeMarkingPermit(0.7),
            MaxHalfOpenCalls = 3,
            TimeProvider = clock,
            Listeners = { ordered, reentrant, new ThrowingListener(), asyncListener, new FailureRecorder(failures.Enqueue) },
        };
        breaker = new CircuitBreaker(options);
        var certain = new ConcurrentDictionary<DateTimeOffset, int>();
        long admittedRecordable = 0, calls = 0, rejected = 0, manual = 0, probes = 0;
        int probesRunning = 0, mostProbesAtOnce = 0;

        // Runs at the start of every call body: a call whose admission consulted the permit (only half-open does)
        // and then ran is a probe; its half-open slot is held from admission until its outcome is recorded, after the
        // body, so the bodies running as probes can never outnumber MaxHalfOpenCalls.
        Action BeginBody()
        {
            if (!ProbeMarkingPermit.TakeMark())
            {
                return static () => { };
            }

            Interlocked.Increment(ref probes);
            var running = Interlocked.Increment(ref probesRunning);
            for (var seen = Volatile.Read(ref mostProbesAtOnce); running > seen; seen = Volatile.Read(ref mostProbesAtOnce))
            {
                Interlocked.CompareExchange(ref mostProbesAtOnce, running, seen);
            }

            return () => Interlocked.Decrement(ref probesRunning);
        }

        using var stop = new CancellationTokenSource(Duration);

        async Task CallerAsync(int id)
        {
            var random = new Random(id);
            while (!stop.IsCancellationRequested)
            {
                var kind = random.Next(10); // 0-5 success, 6-8 tracked failure, 9 untracked
                var before = breaker.GetInfo();
                var ran = false;
                ProbeMarkingPermit.TakeMark();                                // a mark left by a rejected call is not ours
                try
                {
                    if (id % 2 == 0)
                    {
                        breaker.Execute(() =>
                        {
                            ran = true;
                            var end = BeginBody();
                            try
                            {
                                return Outcome(kind);
                            }
                            finally
                            {
                                end();
                            }
                        });
                    }
                    else
                    {
                        await breaker.ExecuteAsync(async _ =>
                        {
                            ran = true;
                            var end = BeginBody();
                            try
                            {
                                if (kind % 3 == 0)
                                {
                                    await Task.Yield();
                                }

                                return Outcome(kind);
                            }
                            finally
                            {
                                end();
                            }
                        });
                    }
                }
                catch (CallNotPermittedException)
                {
                    Interlocked.Increment(ref rejected);
                }
                catch (Exception e) when (e is TrackedException or UntrackedException)
                {
                }

                Interlocked.Increment(ref calls);
                var after = breaker.GetInfo();
                if (ran && kind != 9)
                {
                    // An upper bound: it ran with an outcome that counts (if its period was a recording one).
                    Interlocked.Increment(ref admittedRecordable);
                    if (before.ChangedAt == after.ChangedAt && before.State is CircuitState.Closed or CircuitState.HalfOpen or CircuitState.MetricsOnly)
                    {
                        // No transition from before admission to after completion, in a recording state: the outcome
                        // must be in this period's window.
                        certain.AddOrUpdate(before.ChangedAt, 1, (_, n) => n + 1);
                    }
                }
            }
        }

        void Controller()
        {
            var random = new Random(99);
            while (!stop.IsCancellationRequested)
            {
                // Paced by the callers' progress, not by the clock: one manual operation per 300 calls.
                var next = Interlocked.Read(ref calls) + 300;
                SpinWait.SpinUntil(() => Interlocked.Read(ref calls) >= next || stop.IsCancellationRequested);
                switch (random.Next(8))
                {
                    case 0:
                        breaker.ForceOpen();
                        break;
                    case 1:
                        breaker.MetricsOnly();
                        break;
                    case 2:
                        breaker.Disable();
                        break;
                    case 3 or 4:
                        breaker.Reset();
                        break;
                    default:
                        _ = breaker.GetInfo();
                        break;
                }

                Interlocked.Increment(ref manual);
            }
        }

        // Dedicated threads, so busy synchronous callers cannot starve the controller or the async callers' continuations.
        var workers = Enumerable.Range(0, Math.Max(4, Environment.ProcessorCount * 2))
            .Select(i => Task.Factory.StartNew(() => CallerAsync(i), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap())
            .Append(Task.Factory.StartNew(Controller, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        var all = Task.WhenAll(workers);
        // A bound, not a wait: the run ends on its own long before, unless it deadlocked.
        var finished = await Record.ExceptionAsync(() => all.WaitAsync(Duration + TimeSpan.FromSeconds(60)));
        Assert.False(finished is TimeoutException, "the callers did not finish: a deadlock");
        await all;
        using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await breaker.FlushListenersAsync(flushTimeout.Token);

        // Transitions form one chain, seen once each and in order by every listener.
        var signals = ordered.Signals;
        Assert.False(ordered.Overlapped, "a sync listener ran on two threads at once");
        Assert.Equal(CircuitState.Closed, signals[0].OldState);
        for (var i = 1; i < signals.Count; i++)
        {
            Assert.Equal(signals[i - 1].NewState, signals[i].OldState);
            Assert.True(signals[i - 1].Timestamp < signals[i].Timestamp, "timestamps of transitions are unique and increasing");
        }

        Assert.Equal(breaker.State, signals[^1].NewState);
        Assert.Equal(signals, reentrant.Signals);
        Assert.Equal(signals, asyncListener.Signals);
        Assert.Equal(signals.Count, failures.Count);                  // the throwing listener failed exactly once per signal

        // Per-period accounting: the window's count of each period is at least the outcomes that had to land in it,
        // and everything counted is at most what was admitted.
        Assert.Null(window.Violation);
        var periods = window.CountsPerPeriod;                         // one per period: transitions + 1
        Assert.Equal(signals.Count + 1, periods.Count);
        var periodStart = new[] { clock.First }.Concat(signals.Select(s => s.Timestamp)).ToList();
        for (var k = 0; k < periods.Count; k++)
        {
            var required = certain.GetValueOrDefault(periodStart[k]);
            Assert.True(periods[k] >= required, $"period {k} counted {periods[k]} outcomes but {required} had to be counted");
        }

        Assert.True(periods.Sum() <= admittedRecordable, $"{periods.Sum()} outcomes counted, more than the {admittedRecordable} admitted");
        // MaxHalfOpenCalls: never more probes at once than allowed, and the limit was actually reached.
        Assert.InRange(mostProbesAtOnce, 1, options.MaxHalfOpenCalls);
        output.WriteLine($"{Duration.TotalSeconds:0} s: {calls:N0} calls ({rejected:N0} rejected, {probes:N0} probes, at most {mostProbesAtOnce} at once), {manual:N0} manual operations, {signals.Count:N0} transitions, {periods.Sum():N0} outcomes counted of {admittedRecordable:N0} recordable ({certain.Values.Sum():N0} required), {reentrant.Resets} resets from inside a listener.");
        Assert.True(signals.Count > 100 && calls > 10_000, "the run was too short to prove anything");
    }

    /// <summary>Admits like <c>Permit.Random(ratio)</c> and marks the calling thread when it admits, so the call body can tell it runs as a probe.</summary>
    private sealed class ProbeMarkingPermit(double ratio) : Permit
    {
        [ThreadStatic]
        private static bool t_marked;

        /// <summary>Returns whether the permit admitted a call on this thread since the last take, and clears the mark.</summary>
        public static bool TakeMark()
        {
            var marked = t_marked;
            t_marked = false;
            return marked;
        }

        public override bool Admit(TimeSpan elapsedSinceHalfOpen)
        {
            var admitted = System.Random.Shared.NextDouble() < ratio;
            t_marked |= admitted;
            return admitted;
        }
    }

    private static int Outcome(int kind) => kind switch
    {
        < 6 => 1,
        < 9 => throw new TrackedException(),
        _ => throw new UntrackedException(),
    };

    /// <summary>A window that never evicts and logs its count at each reset, i.e. per period; it also detects concurrent use.</summary>
    private sealed class AuditWindow : Window
    {
        private readonly List<int> _ended = [];
        private int _inside;
        private int _count;
        private int _failures;

        public string? Violation { get; private set; }

        public List<int> CountsPerPeriod => [.. _ended, _count];

        public override Metric GetMetric()
        {
            Enter();
            var metric = new Metric(_count, _failures, TimeSpan.Zero);
            Exit();
            return metric;
        }

        public override void Reset()
        {
            Enter();
            _ended.Add(_count);
            _count = 0;
            _failures = 0;
            Exit();
        }

        protected override void Record(bool isFailure, TimeSpan duration, long timestamp)
        {
            Enter();
            _count++;
            _failures += isFailure ? 1 : 0;
            Exit();
        }

        private void Enter()
        {
            if (Interlocked.Increment(ref _inside) != 1)
            {
                Violation ??= "the window was used by two threads at once";
            }
        }

        private void Exit() => Interlocked.Decrement(ref _inside);
    }

    /// <summary>Monotonic time from the system; a wall clock that returns a new instant at every read, so each transition's timestamp names its period.</summary>
    private sealed class UniqueWallClock : TimeProvider
    {
        private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        private long _reads;

        public DateTimeOffset First => Start.AddTicks(1);

        public override DateTimeOffset GetUtcNow() => Start.AddTicks(Interlocked.Increment(ref _reads));

        public override long GetTimestamp() => System.GetTimestamp();

        public override long TimestampFrequency => System.TimestampFrequency;
    }

    private sealed class OrderedListener : ICircuitBreakerListener
    {
        private readonly List<Signal> _signals = [];
        private int _inside;

        public bool Overlapped { get; private set; }

        public List<Signal> Signals
        {
            get
            {
                lock (_signals)
                {
                    return [.. _signals];
                }
            }
        }

        public void OnStateChanged(Signal signal)
        {
            Overlapped |= Interlocked.Increment(ref _inside) > 1;
            lock (_signals)
            {
                _signals.Add(signal);
            }

            Interlocked.Decrement(ref _inside);
        }
    }

    /// <summary>Reads the breaker on every signal and resets it after some forced openings: re-entrancy must neither deadlock nor recurse.</summary>
    private sealed class ReentrantListener(Func<CircuitBreaker> breaker) : ICircuitBreakerListener
    {
        private readonly List<Signal> _signals = [];
        private int _resets;

        public int Resets => _resets;

        public List<Signal> Signals
        {
            get
            {
                lock (_signals)
                {
                    return [.. _signals];
                }
            }
        }

        public void OnStateChanged(Signal signal)
        {
            lock (_signals)
            {
                _signals.Add(signal);
            }

            _ = breaker().GetInfo();
            if (signal.NewState == CircuitState.ForcedOpen && _signals.Count % 3 == 0)
            {
                Interlocked.Increment(ref _resets);
                breaker().Reset();
            }
        }
    }

    private sealed class ThrowingListener : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => throw new InvalidOperationException("listener bug");
    }

    private sealed class RecordingAsyncListener : IAsyncCircuitBreakerListener
    {
        private readonly ConcurrentQueue<Signal> _signals = new();

        public List<Signal> Signals => [.. _signals];

        public async ValueTask OnStateChangedAsync(Signal signal, CancellationToken cancellationToken)
        {
            if (_signals.Count % 7 == 0)
            {
                await Task.Yield();
            }

            _signals.Enqueue(signal);
        }
    }
}
