using System.Collections.Concurrent;
using Polly.Telemetry;

namespace Fluxgate.PollyTests;

/// <summary>What the Polly tests share: breakers on a fake clock, and a real Polly telemetry listener that keeps every event.</summary>
internal static class PollyKit
{
    /// <summary>A breaker that counts <see cref="TrackedException"/>, opens after <paramref name="failures"/> consecutive failures and waits 10 s.</summary>
    public static CircuitBreaker Breaker(FakeTimeProvider clock, int failures = 2, string name = "downstream", Action<CircuitBreakerOptions>? configure = null)
    {
        var options = TestKit.Options(clock, Tripper.FailureStreak(failures));
        options.Name = name;
        configure?.Invoke(options);
        return new CircuitBreaker(options);
    }

    public static readonly TimeSpan Cooldown = TimeSpan.FromSeconds(10);
}

/// <summary>Polly's extension point for telemetry, as Polly.Extensions plugs its logging and metering into it.</summary>
internal sealed class RecordingTelemetryListener : TelemetryListener
{
    public ConcurrentQueue<(string Strategy, string Event, ResilienceEventSeverity Severity, object? Arguments, Exception? Exception)> Events { get; } = new();

    /// <summary>The names of the strategies' events (Polly's own PipelineExecuting/Executed left out).</summary>
    public IEnumerable<string> Names => Events.Where(e => e.Strategy.Length > 0).Select(e => e.Event);

    public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args) =>
        Events.Enqueue((args.Source.StrategyName ?? "", args.Event.EventName, args.Event.Severity, args.Arguments, args.Outcome?.Exception));
}

/// <summary>Counts first-chance exceptions of one type whose message names one breaker: proof that a path throws nothing.</summary>
internal sealed class ThrownCounter : IDisposable
{
    private readonly string _name;
    private int _count;

    public ThrownCounter(string breakerName)
    {
        _name = breakerName;
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
    }

    public int Count => Volatile.Read(ref _count);

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;

    private void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
    {
        if (e.Exception is CallNotPermittedException rejection && rejection.CircuitName == _name)
        {
            Interlocked.Increment(ref _count);
        }
    }
}
