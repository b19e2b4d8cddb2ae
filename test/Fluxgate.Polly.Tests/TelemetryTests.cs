using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;
using Polly.Telemetry;

namespace Fluxgate.PollyTests;

/// <summary>
/// Rejections and transitions in Polly's telemetry (events with the strategy's name, through Polly's own listener, logger and
/// meter) and in Fluxgate's listeners and meter, each call counted once.
/// </summary>
public class TelemetryTests
{
    private readonly FakeTimeProvider _clock = TestKit.NewClock();

    [Fact]
    public void PollyTelemetry_ReportsTheTransitionsAndRejectionsCausedByExecutions()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var telemetry = new RecordingTelemetryListener();
        var pipeline = new ResiliencePipelineBuilder { TelemetryListener = telemetry }.AddFluxgate(breaker).Build();
        var failure = new TrackedException();

        Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw failure));
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));
        _clock.Advance(PollyKit.Cooldown);
        pipeline.Execute(() => { });

        var events = telemetry.Events.Where(e => e.Strategy == "Fluxgate").ToList();
        Assert.Equal(["OnCircuitOpened", "OnCircuitRejected", "OnCircuitHalfOpened", "OnCircuitClosed"], events.Select(e => e.Event));
        Assert.Equal([ResilienceEventSeverity.Error, ResilienceEventSeverity.Debug, ResilienceEventSeverity.Warning, ResilienceEventSeverity.Information], events.Select(e => e.Severity));

        var opened = Assert.IsType<FluxgateStateChangedArguments>(events[0].Arguments);
        Assert.Equal(("downstream", CircuitState.Closed, CircuitState.Open), (opened.CircuitName, opened.PreviousState, opened.State));
        Assert.Same(failure, events[0].Exception);
        Assert.Equal("downstream: closed -> open", opened.ToString());

        var rejected = Assert.IsType<FluxgateRejectedArguments>(events[1].Arguments);
        Assert.Equal((CircuitState.Open, PollyKit.Cooldown), (rejected.State, rejected.RetryAfter));
        Assert.Equal("downstream: rejected (open)", rejected.ToString());

        var halfOpened = Assert.IsType<FluxgateStateChangedArguments>(events[2].Arguments);
        Assert.Equal((CircuitState.Open, CircuitState.HalfOpen), (halfOpened.PreviousState, halfOpened.State));
        var closed = Assert.IsType<FluxgateStateChangedArguments>(events[3].Arguments);
        Assert.Equal((CircuitState.HalfOpen, CircuitState.Closed), (closed.PreviousState, closed.State));
    }

    [Fact]
    public void ThrowingTelemetryListener_NeitherReplacesTheOutcomeNorHoldsTheProbeSlot()
    {
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.MaxHalfOpenCalls = 1);
        var pipeline = new ResiliencePipelineBuilder { TelemetryListener = new ThrowingTelemetryListener() }.AddFluxgate(breaker).Build();

        Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw new TrackedException()));  // OnCircuitOpened throws
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));                   // OnCircuitRejected throws
        _clock.Advance(PollyKit.Cooldown);
        Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw new TrackedException()));  // OnCircuitHalfOpened, then OnCircuitOpened
        _clock.Advance(PollyKit.Cooldown);
        pipeline.Execute(() => { });                                                                   // the one slot was given back each time

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void PollyTelemetry_CarriesTheStrategysName()
    {
        var breaker = PollyKit.Breaker(_clock);
        breaker.ForceOpen();
        var telemetry = new RecordingTelemetryListener();
        var pipeline = new ResiliencePipelineBuilder { TelemetryListener = telemetry }
            .AddFluxgate(new FluxgateStrategyOptions { Breaker = breaker, Name = "payments-breaker" })
            .Build();

        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));

        var rejected = Assert.Single(telemetry.Events, e => e.Event == FluxgateResilienceEvents.CircuitRejected);
        Assert.Equal("payments-breaker", rejected.Strategy);
        Assert.Equal(CircuitState.ForcedOpen, Assert.IsType<FluxgateRejectedArguments>(rejected.Arguments).State);
    }

    [Fact]
    public void TransitionsCausedElsewhere_ReachFluxgatesListenersButNotThePipelinesTelemetry()
    {
        var listener = new RecordingListener();
        var breaker = PollyKit.Breaker(_clock, failures: 1, configure: o => o.Listeners.Add(listener));
        var telemetry = new RecordingTelemetryListener();
        var pipeline = new ResiliencePipelineBuilder { TelemetryListener = telemetry }.AddFluxgate(breaker).Build();

        breaker.Fail(_clock);                                            // a direct call opens the circuit
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));
        _clock.Advance(PollyKit.Cooldown);
        Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw new TrackedException()));

        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen), (CircuitState.HalfOpen, CircuitState.Open)],
            listener.Transitions);
        Assert.Equal(["OnCircuitRejected", "OnCircuitHalfOpened", "OnCircuitOpened"], telemetry.Names);
        var reopened = Assert.IsType<FluxgateStateChangedArguments>(telemetry.Events.Last(e => e.Event == FluxgateResilienceEvents.CircuitOpened).Arguments);
        Assert.Equal(CircuitState.HalfOpen, reopened.PreviousState);
    }

    [Fact]
    public void PollyExtensions_LogsAndMetersTheEventsWithTheStrategysName()
    {
        var logs = new CapturingLoggerProvider();
        var events = new ConcurrentQueue<(string Event, string? Strategy)>();
        using var meter = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Polly" && instrument.Name == "resilience.polly.strategy.events")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        var pipelineName = "orders-" + Guid.NewGuid().ToString("N");
        meter.SetMeasurementEventCallback<int>((_, _, tags, _) =>
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (all.GetValueOrDefault("pipeline.name") == pipelineName && all.GetValueOrDefault("strategy.name") is not null)
            {
                events.Enqueue((all["event.name"]!, all.GetValueOrDefault("strategy.name")));
            }
        });
        meter.Start();
        var breaker = PollyKit.Breaker(_clock, failures: 1);
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        services.AddResiliencePipeline(pipelineName, builder => builder.AddFluxgate(breaker));
        using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(pipelineName);

        Assert.Throws<TrackedException>(() => pipeline.Execute(() => throw new TrackedException()));
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => { }));

        Assert.Equal([("OnCircuitOpened", "Fluxgate"), ("OnCircuitRejected", "Fluxgate")], events);
        var logged = logs.Entries.Where(e => e.Category == "Polly" && e.Message.Contains(pipelineName, StringComparison.Ordinal)).ToList();
        Assert.Contains(logged, e => e.Level == LogLevel.Error && e.Message.Contains("OnCircuitOpened", StringComparison.Ordinal));
        Assert.Contains(logged, e => e.Level == LogLevel.Debug && e.Message.Contains("OnCircuitRejected", StringComparison.Ordinal));
    }

    [Fact]
    public void FluxgatesMeter_CountsEachExecutionOnce()
    {
        var name = "meter-" + Guid.NewGuid().ToString("N");
        var outcomes = new ConcurrentQueue<string>();
        using var meter = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == FluxgateMetrics.MeterName && instrument.Name == FluxgateMetrics.CallsInstrument)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meter.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var all = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            if (all[FluxgateMetrics.CircuitNameTag] == name)
            {
                for (var i = 0; i < value; i++)
                {
                    outcomes.Enqueue(all[FluxgateMetrics.OutcomeTag]!);
                }
            }
        });
        meter.Start();
        var breaker = PollyKit.Breaker(_clock, failures: 2, name: name);
        var pipeline = new ResiliencePipelineBuilder<int>().AddFluxgate(breaker).Build();

        pipeline.Execute(() => 1);
        Assert.Throws<UntrackedException>(() => pipeline.Execute(int () => throw new UntrackedException()));
        Assert.Throws<TrackedException>(() => pipeline.Execute(int () => throw new TrackedException()));
        Assert.Throws<TrackedException>(() => pipeline.Execute(int () => throw new TrackedException()));
        Assert.Throws<CallNotPermittedException>(() => pipeline.Execute(() => 1));

        Assert.Equal(["success", "ignored", "failure", "failure", "rejected"], outcomes);
    }
}

/// <summary>A telemetry listener with a bug: it throws on every event of the Fluxgate strategy (Polly's own pipeline events pass, or Polly itself would fail first).</summary>
internal sealed class ThrowingTelemetryListener : TelemetryListener
{
    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
    {
        if (args.Source.StrategyName == FluxgateStrategyOptions.DefaultName)
        {
            throw new InvalidOperationException("listener bug");
        }
    }
}
