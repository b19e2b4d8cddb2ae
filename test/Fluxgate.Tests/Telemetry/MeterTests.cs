using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Telemetry;

/// <summary>The core's OpenTelemetry instruments, observed with a real <see cref="MeterListener"/>.</summary>
[Collection(MeterSerial.Name)]
public sealed class MeterTests : IDisposable
{
    private readonly string _name = "meter-" + Guid.NewGuid().ToString("N");
    private readonly FakeTimeProvider _clock = TestKit.NewClock();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();

    public MeterTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == FluxgateMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    private List<(double Value, Dictionary<string, object?> Tags)> Of(string instrument) =>
        [.. _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Value, m.Tags))];

    [Fact]
    public async Task Calls_AreCountedByOutcomeWithTheCircuitName()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(2));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock);
        breaker.Fail(_clock);
        breaker.FailUntracked();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await breaker.ExecuteAsync<int>(_ => throw new OperationCanceledException(), new CancellationToken(true)));
        breaker.Fail(_clock);
        breaker.AssertRejects();
        breaker.TryExecute(() => 1, out _);
        await breaker.TryExecuteAsync(_ => new ValueTask<int>(1));
        await breaker.TryExecuteAsync(_ => ValueTask.CompletedTask);

        var outcomes = Of(FluxgateMetrics.CallsInstrument).Select(m => (string)m.Tags[FluxgateMetrics.OutcomeTag]!).ToList();
        Assert.Equal(["success", "failure", "ignored", "ignored", "failure", "rejected", "rejected", "rejected", "rejected"], outcomes);
        Assert.All(Of(FluxgateMetrics.CallsInstrument), m => Assert.Equal(1, m.Value));
    }

    [Fact]
    public void BeginCall_CountsRejectionsWhenTheyHappenAndPermittedCallsWhenReported()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        var success = breaker.BeginCall();
        var abandoned = breaker.BeginCall();
        Assert.Empty(Of(FluxgateMetrics.CallsInstrument));
        success.Complete(1);
        abandoned.Abandon();
        breaker.BeginCall().Fail(new UntrackedException());
        breaker.BeginCall().Fail(new TrackedException());
        var rejected = breaker.BeginCall();
        rejected.CreateRejection();
        rejected.CreateRejection();

        var outcomes = Of(FluxgateMetrics.CallsInstrument).Select(m => (string)m.Tags[FluxgateMetrics.OutcomeTag]!).ToList();
        Assert.Equal(["success", "ignored", "failure", "rejected"], outcomes);
    }

    [Fact]
    public void BeginCall_OnAForcedOpenCircuit_CountsTheRejection()
    {
        var options = TestKit.Options(_clock);
        options.Name = _name;
        var breaker = new CircuitBreaker(options);
        breaker.ForceOpen();

        Assert.False(breaker.BeginCall().IsPermitted);

        var rejected = Assert.Single(Of(FluxgateMetrics.CallsInstrument));
        Assert.Equal("rejected", rejected.Tags[FluxgateMetrics.OutcomeTag]);
    }

    [Fact]
    public void CallDuration_BreakerThatDoesNotTimeItsCalls_RecordsNoDurationAndStillCountsEveryCall()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(5));
        options.Name = _name;
        options.MeasureDurations = false;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(250));
        breaker.Fail(_clock, TimeSpan.FromMilliseconds(250));
        breaker.BeginCall().Complete();

        Assert.Empty(Of(FluxgateMetrics.CallDurationInstrument));
        Assert.Equal(["success", "failure", "success"], Of(FluxgateMetrics.CallsInstrument).Select(m => (string)m.Tags[FluxgateMetrics.OutcomeTag]!));
    }

    [Fact]
    public void CallDuration_IsRecordedInSecondsForCallsThatRan()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(5));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock, TimeSpan.FromMilliseconds(250));
        breaker.Fail(_clock, TimeSpan.FromSeconds(2));

        var durations = Of(FluxgateMetrics.CallDurationInstrument);
        Assert.Equal([0.25, 2.0], durations.Select(d => d.Value));
        Assert.Equal(["success", "failure"], durations.Select(d => (string)d.Tags[FluxgateMetrics.OutcomeTag]!));
    }

    [Fact]
    public void Transitions_AreCountedWithWireNames()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);
        breaker.MetricsOnly();

        var transitions = Of(FluxgateMetrics.TransitionsInstrument);
        Assert.Equal(
            [("closed", "open"), ("open", "metrics_only")],
            transitions.Select(t => ((string)t.Tags[FluxgateMetrics.OldStateTag]!, (string)t.Tags[FluxgateMetrics.NewStateTag]!)));
    }

    [Fact]
    public void StateGauge_ReportsOneForTheCurrentStateAndZeroForTheOthers()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        var breaker = new CircuitBreaker(options);
        breaker.ForceOpen();

        _listener.RecordObservableInstruments();

        var states = Of(FluxgateMetrics.StateInstrument).ToDictionary(m => (string)m.Tags[FluxgateMetrics.StateTag]!, m => m.Value);
        Assert.Equal(6, states.Count);
        Assert.Equal(1, states["forced_open"]);
        Assert.Equal(5, states.Count(s => s.Value == 0));

        // Observed again: a live breaker stays registered after being observed.
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        Assert.Equal(6, Of(FluxgateMetrics.StateInstrument).Count);
        GC.KeepAlive(breaker);
    }

    [Fact]
    public void Instruments_HaveTheirUnitsDescriptionsAndBuckets()
    {
        var instruments = new Dictionary<string, Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == FluxgateMetrics.MeterName)
                {
                    instruments[instrument.Name] = instrument;
                }
            },
        };
        listener.Start();

        Assert.Equal(
            new Dictionary<string, string?>
            {
                [FluxgateMetrics.StateInstrument] = "{state}",
                [FluxgateMetrics.TransitionsInstrument] = "{transition}",
                [FluxgateMetrics.CallsInstrument] = "{call}",
                [FluxgateMetrics.CallDurationInstrument] = "s",
                [FluxgateMetrics.ListenerFailuresInstrument] = "{failure}",
                [FluxgateMetrics.ComponentFailuresInstrument] = "{failure}",
            },
            instruments.ToDictionary(i => i.Key, i => i.Value.Unit));
        Assert.All(instruments.Values, i => Assert.False(string.IsNullOrWhiteSpace(i.Description), i.Name));
        var duration = Assert.IsType<Histogram<double>>(instruments[FluxgateMetrics.CallDurationInstrument]);
#if NET9_0_OR_GREATER
        // Instrument advice exists from System.Diagnostics.DiagnosticSource 9: the net8.0 build cannot give it.
        Assert.Equal([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], duration.Advice!.HistogramBucketBoundaries!);
#endif
    }

    [Fact]
    public void ShortLivedBreakers_DoNotPileUpInTheStateGauge()
    {
        // Per-tenant or per-request breakers come and go; the gauge holds them weakly and purges the dead ones,
        // and only those: a breaker still in use stays observed through every purge.
        var options = TestKit.Options(_clock);
        options.Name = _name;
        var kept = new CircuitBreaker(options);
        Collect();
        _listener.RecordObservableInstruments();                          // an observation purges every stripe
        var before = FluxgateMeter.RegisteredBreakers;                    // the live breakers of the whole process

        // 20,000 breakers created and dropped, collected after each thousand: without purging the registry would hold
        // them all. A stripe purges once it has doubled since its last purge, when at most the current thousand is
        // still alive, so it never holds much more than twice a thousand (whatever the GC did during a batch).
        var most = 0;
        for (var batch = 0; batch < 20; batch++)
        {
            CreateAndDropBreakers(1_000);
            most = Math.Max(most, FluxgateMeter.RegisteredBreakers - before);
            Collect();
        }

        Assert.InRange(most, 1, 5_000);

        _listener.RecordObservableInstruments();                          // an observation purges too
        Assert.InRange(FluxgateMeter.RegisteredBreakers, 1, before);
        Assert.Equal(2 * 6, Of(FluxgateMetrics.StateInstrument).Count);  // the kept breaker, one row per state, at both observations
        GC.KeepAlive(kept);
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void CreateAndDropBreakers(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _ = new CircuitBreaker(new CircuitBreakerOptions { Window = new CountWindow(1) });
        }
    }

    [Fact]
    public void ListenerFailures_AreCounted()
    {
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        options.Listeners.Add(new Throwing());
        var breaker = new CircuitBreaker(options);

        breaker.Fail(_clock);

        Assert.Single(Of(FluxgateMetrics.ListenerFailuresInstrument));
    }

    [Fact]
    public void ComponentFailures_AreCountedWithTheOperation()
    {
        var options = TestKit.Options(_clock, new ThrowingTripper());
        options.Name = _name;
        var breaker = new CircuitBreaker(options);

        breaker.Succeed(_clock);

        var failure = Assert.Single(Of(FluxgateMetrics.ComponentFailuresInstrument));
        Assert.Equal("Tripper.Evaluate", failure.Tags[FluxgateMetrics.OperationTag]);
    }

    [Fact]
    public void MeterListener_ThatThrows_NeverReachesCallersOrBreaksTransitions()
    {
        using var throwing = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FluxgateMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        throwing.SetMeasurementEventCallback<long>((_, _, tags, _) => ThrowForThisBreaker(tags));
        throwing.SetMeasurementEventCallback<double>((_, _, tags, _) => ThrowForThisBreaker(tags));
        throwing.Start();
        var recording = new RecordingListener();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<CircuitBreakerFailure>();
        var options = TestKit.Options(_clock, Tripper.FailureStreak(1));
        options.Name = _name;
        options.Listeners.Add(recording);
        options.Listeners.Add(new Throwing());                       // its failure is counted by the meter, which throws too
        options.Listeners.Add(new FailureRecorder(failures.Enqueue));
        var breaker = new CircuitBreaker(options);
        var faulty = TestKit.Options(_clock, new ThrowingTripper());
        faulty.Name = _name;
        var faultyBreaker = new CircuitBreaker(faulty);

        Assert.Equal(42, breaker.Succeed(_clock));
        breaker.Fail(_clock);
        var rejection = breaker.AssertRejects();
        Assert.Equal(7, faultyBreaker.Execute(() => 7));              // a component failure, counted by the throwing meter

        Assert.Equal(CircuitState.Open, rejection.State);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], recording.Transitions);

        // The meter's failures go through the one channel, the others' too: calls (twice), the rejection, the transition.
        Assert.Equal(4, failures.Count(f => f.Operation == "Meter.Record"));
        Assert.Contains(failures, f => f.Operation == "Listener.OnStateChanged");
        Assert.All(failures.Where(f => f.Operation == "Meter.Record"), f => Assert.Equal("a broken meter listener", f.Exception.Message));
    }

    private void ThrowForThisBreaker(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == FluxgateMetrics.CircuitNameTag && (string?)tag.Value == _name)
            {
                throw new InvalidOperationException("a broken meter listener");
            }
        }
    }

    [Fact]
    public void DisabledBreaker_EmitsNoCallMeasurements()
    {
        var options = TestKit.Options(_clock);
        options.Name = _name;
        var breaker = new CircuitBreaker(options);
        breaker.Disable();

        breaker.Succeed(_clock);
        breaker.Fail(_clock);

        Assert.Empty(Of(FluxgateMetrics.CallsInstrument));
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        if (dictionary.TryGetValue(FluxgateMetrics.CircuitNameTag, out var circuit) && (string?)circuit == _name)
        {
            _measurements.Enqueue((instrument.Name, value, dictionary));
        }
    }

    private sealed class Throwing : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => throw new InvalidOperationException();
    }

    private sealed class ThrowingTripper : Tripper
    {
        public override bool Evaluate(CallContext context) => throw new InvalidOperationException("tripper bug");
    }
}
