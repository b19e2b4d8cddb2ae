using System.Collections.Concurrent;
using Fluxgate.Redis;
using Microsoft.Extensions.Logging;

namespace Fluxgate.Fleet;

/// <summary>The payment service the replicas call: healthy, down for everyone, or unreachable from one replica only.</summary>
internal sealed class PaymentService
{
    private volatile string _down = "";

    /// <summary>Gets or sets who sees the service down: "" nobody, "*" everyone, or a replica's name.</summary>
    public string Down
    {
        get => _down;
        set => _down = value;
    }

    public void Charge(string replica)
    {
        var down = _down;
        if (down == "*" || down == replica)
        {
            throw new HttpRequestException("payment service unavailable");
        }
    }
}

/// <summary>
/// One replica of the checkout service: its breaker joined to the fleet, a shadow breaker that is not (what it would have
/// done alone), traffic at its own rate, and the timeline of its breaker.
/// </summary>
internal sealed class Replica : IAsyncDisposable
{
    private readonly PaymentService _service;
    private readonly TimeProvider _clock;
    private readonly long _origin;
    private readonly CancellationTokenSource _stop = new();
    private Task _traffic = Task.CompletedTask;
    private int _fleetFailures;
    private int _aloneFailures;

    private Replica(string name, int callsPerSecond, PaymentService service, TimeProvider clock, long origin)
    {
        Name = name;
        CallsPerSecond = callsPerSecond;
        _service = service;
        _clock = clock;
        _origin = origin;
        Breaker = new CircuitBreaker(Options(new TimelineListener(this)));
        Shadow = new CircuitBreaker(Options(null));
    }

    public string Name { get; }

    public int CallsPerSecond { get; }

    public CircuitBreaker Breaker { get; }

    /// <summary>The same breaker, not joined: what this replica would have done on its own.</summary>
    public CircuitBreaker Shadow { get; }

    public CircuitBreakerFleet Fleet { get; private set; } = null!;

    public ConcurrentQueue<string> Timeline { get; } = new();

    /// <summary>Failed calls that reached the payment service through the fleet's breaker, and through the shadow.</summary>
    public (int Fleet, int Alone) Failures => (Volatile.Read(ref _fleetFailures), Volatile.Read(ref _aloneFailures));

    public static async Task<Replica> StartAsync(string name, int callsPerSecond, string redis, PaymentService service, TimeProvider clock, long origin)
    {
        var replica = new Replica(name, callsPerSecond, service, clock, origin);
        replica.Fleet = new CircuitBreakerFleet(redis, new CircuitBreakerFleetOptions
        {
            Application = "checkout",
            ReplicaId = name,
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            ReplicaTimeout = TimeSpan.FromMilliseconds(500),
            Logger = new QuorumLogger(replica),
        });
        replica.Fleet.Join(replica.Breaker);
        await replica.Fleet.StartAsync();
        replica._traffic = Task.Run(replica.SendTrafficAsync);
        return replica;
    }

    public void ResetCounts()
    {
        Interlocked.Exchange(ref _fleetFailures, 0);
        Interlocked.Exchange(ref _aloneFailures, 0);
    }

    public string Now() => $"{_clock.GetElapsedTime(_origin).TotalSeconds,5:0.0} s";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _traffic;
        await Fleet.DisposeAsync();
        _stop.Dispose();
    }

    private static CircuitBreakerOptions Options(ICircuitBreakerListener? listener)
    {
        var options = new CircuitBreakerOptions
        {
            Name = "payments",
            Window = new CountWindow(40),
            Tracker = Tracker.TypeOf<HttpRequestException>(),
            // Closed: open at half the calls failing, over at least 20. Half-open: one failed probe reopens, a success closes.
            Tripper = (Tripper.Closed() & Tripper.MinRequests(20) & Tripper.FailureRate(0.5)) | (Tripper.HalfOpened() & Tripper.FailureStreak(1)),
            Retry = Retry.Cooldown(TimeSpan.FromSeconds(2)),
            Permit = Permit.All(),
            MaxHalfOpenCalls = 1,
        };
        if (listener is not null)
        {
            options.Listeners.Add(listener);
        }

        return options;
    }

    private async Task SendTrafficAsync()
    {
        var gap = TimeSpan.FromSeconds(1.0 / CallsPerSecond);
        while (!_stop.IsCancellationRequested)
        {
            Call(Breaker, ref _fleetFailures);
            Call(Shadow, ref _aloneFailures);
            try
            {
                await Task.Delay(gap, _clock, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Call(CircuitBreaker breaker, ref int failures)
    {
        try
        {
            breaker.TryExecute(() => _service.Charge(Name));
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref failures);
        }
    }

    private sealed class TimelineListener(Replica replica) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => replica.Timeline.Enqueue($"{replica.Now()}  {signal.OldState.ToWireName(),-11} -> {signal.NewState.ToWireName(),-11} ({signal.Cause.ToWireName()})");
    }

    /// <summary>Notes in the timeline when the fleet's quorum opened this replica's breaker.</summary>
    private sealed class QuorumLogger(Replica replica) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Name is "FleetQuorumOpened" or "FleetCommandApplied")
            {
                replica.Timeline.Enqueue($"{replica.Now()}  ({formatter(state, exception)})");
            }
        }
    }
}
