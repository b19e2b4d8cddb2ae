namespace Fluxgate.Tests.Model;

/// <summary>
/// A plain reference model of the state machine (README "How it works": the closed, open and half-open rules, the
/// manual states, outcomes belonging to the period that admitted them), written for clarity, not speed: the window is a list of
/// outcomes and every metric is recomputed from it. The model-based tests drive it and the real
/// breaker with the same operations and compare them after every step.
/// </summary>
internal sealed class ReferenceModel(ModelConfig config, Func<long> now)
{
    private readonly List<(long End, bool Failure, long DurationTicks)> _window = [];
    private Random _permitRandom = new(config.Seed);
    private Random _retryRandom = new(config.Seed + 1);
    private long _stateStart = now();
    private long _waitTicks;
    private int _halfOpenInFlight;

    // Probes begun with BeginCall and not yet reported (or reclaimed): ticket id → when the lease runs out.
    private readonly Dictionary<int, long> _leases = [];
    private long _probeLeaseTicks;
    private int _lastTicketId;

    public CircuitState State { get; private set; } = CircuitState.Closed;

    public int Reopens { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    /// <summary>Increases with every transition; a call's outcome counts only in the period it was admitted in.</summary>
    public int Period { get; private set; }

    public List<(CircuitState From, CircuitState To)> Transitions { get; } = [];

    /// <summary>Whether the last <see cref="Admit"/> moved the circuit from open to half-open.</summary>
    public bool EnteredHalfOpen { get; private set; }

    /// <summary>
    /// Admits a call or rejects it; on admission returns the ticket the outcome is recorded with. A <paramref name="leased"/>
    /// call (BeginCall) that is a probe holds its slot under a lease (the default ProbeLease, 2 minutes). When the slots are
    /// full, expired leases are reclaimed before the call is refused.
    /// </summary>
    public Ticket? Admit(bool leased = false)
    {
        var start = now();
        EnteredHalfOpen = false;
        while (true)
        {
            switch (State)
            {
                case CircuitState.Closed or CircuitState.MetricsOnly or CircuitState.Disabled:
                    return new Ticket(Period, State, start);
                case CircuitState.ForcedOpen:
                    return null;
                case CircuitState.Open:
                    if (_waitTicks < 0 || start - _stateStart < _waitTicks)
                    {
                        return null;
                    }

                    Transition(CircuitState.HalfOpen, TransitionCause.RetryElapsed);
                    EnteredHalfOpen = true;
                    continue;
                default: // HalfOpen
                    if (!Permit(TimeSpan.FromTicks(start - _stateStart)))
                    {
                        return null;
                    }

                    if (_halfOpenInFlight >= config.MaxHalfOpenCalls)
                    {
                        foreach (var expired in _leases.Where(l => l.Value <= start).Select(l => l.Key).ToList())
                        {
                            _leases.Remove(expired);
                            _halfOpenInFlight--;
                        }

                        if (_halfOpenInFlight >= config.MaxHalfOpenCalls)
                        {
                            return null;
                        }
                    }

                    _halfOpenInFlight++;
                    var id = ++_lastTicketId;
                    if (leased)
                    {
                        _leases.Add(id, start + _probeLeaseTicks);
                    }

                    return new Ticket(Period, State, start, id) { Leased = leased };
            }
        }
    }

    /// <summary>Records the outcome of an admitted call that ends now.</summary>
    public void Complete(Ticket ticket, Outcome outcome)
    {
        Release(ticket);

        if (ticket.State == CircuitState.Disabled || outcome is Outcome.Untracked or Outcome.Cancelled || ticket.Period != Period)
        {
            return;
        }

        var end = now();
        var failure = outcome == Outcome.Failure;
        _window.Add((end, failure, end - ticket.Start));
        ConsecutiveFailures = failure ? ConsecutiveFailures + 1 : 0;
        if (State == CircuitState.MetricsOnly)
        {
            return;
        }

        var trip = config.Trip(Metrics(), State, ConsecutiveFailures);
        if (State == CircuitState.Closed && trip)
        {
            Transition(CircuitState.Open, TransitionCause.Tripper);
        }
        else if (State == CircuitState.HalfOpen && failure && trip)
        {
            Transition(CircuitState.Open, TransitionCause.ProbeFailed);
        }
        else if (State == CircuitState.HalfOpen && !failure && !trip)
        {
            Transition(CircuitState.Closed, TransitionCause.ProbeSucceeded);
        }
    }

    /// <summary>A call that did not run after all: its probe slot is given back, nothing is recorded.</summary>
    public void Release(Ticket ticket)
    {
        // A leased probe gives its slot back only if the lease was not reclaimed meanwhile.
        if (ticket.State == CircuitState.HalfOpen && (!ticket.Leased || _leases.Remove(ticket.Id)))
        {
            _halfOpenInFlight--;
        }
    }

    /// <summary>A coordinator's trip: opens from closed or half-open only.</summary>
    public bool Trip()
    {
        if (State is not (CircuitState.Closed or CircuitState.HalfOpen))
        {
            return false;
        }

        Transition(CircuitState.Open, TransitionCause.Coordinator);
        return true;
    }

    /// <summary>Why each transition happened, in order.</summary>
    public List<TransitionCause> Causes { get; } = [];

    /// <summary>Why the current state was entered.</summary>
    public TransitionCause Cause => Causes.Count == 0 ? TransitionCause.None : Causes[^1];

    public void Transition(CircuitState next, TransitionCause cause = TransitionCause.Manual)
    {
        Causes.Add(cause);
        if (next == CircuitState.Open && State == CircuitState.HalfOpen)
        {
            Reopens++;
        }

        if (next == CircuitState.Closed)
        {
            Reopens = 0;
            ConsecutiveFailures = 0;
        }
        else if (next == CircuitState.HalfOpen)
        {
            ConsecutiveFailures = 0;
        }

        if (next == CircuitState.HalfOpen)
        {
            _probeLeaseTicks = CircuitBreakerOptions.DefaultProbeLease.Ticks;
        }

        if (next == CircuitState.Open)
        {
            _waitTicks = Wait(Reopens);
        }

        Transitions.Add((State, next));
        State = next;
        _stateStart = now();
        _window.Clear();
        Period++;
    }

    /// <summary>New parts (the same configuration, fresh random sources): a new period in the same state, without a transition.</summary>
    public void Reconfigure()
    {
        _permitRandom = new Random(config.Seed);
        _retryRandom = new Random(config.Seed + 1);
        _window.Clear();
        Period++;
    }

    /// <summary>The window's metrics now: count windows keep the last N outcomes, time windows the last N seconds.</summary>
    public ModelMetrics Metrics()
    {
        IEnumerable<(long End, bool Failure, long DurationTicks)> live = _window;
        if (config.TimeWindowSeconds > 0)
        {
            var currentSecond = now() / TimeSpan.TicksPerSecond;
            live = _window.Where(r => r.End / TimeSpan.TicksPerSecond > currentSecond - config.TimeWindowSeconds);
        }
        else
        {
            live = _window.TakeLast(config.CountWindowSize);
        }

        // A breaker that does not time its calls records each with a zero duration.
        var list = live.Select(r => config.MeasureDurations ? r : r with { DurationTicks = 0 }).ToList();
        return new ModelMetrics(
            list.Count,
            list.Count(r => r.Failure),
            list.Sum(r => r.DurationTicks),
            list.Count(r => r.DurationTicks >= ModelConfig.SlowThreshold.Ticks));
    }

    private bool Permit(TimeSpan elapsed)
    {
        // RampUp: p = initial + (final − initial) × elapsed / duration, capped at final; p = 1 needs no draw.
        var p = elapsed >= config.RampDuration
            ? config.RampFinal
            : Math.Min(config.RampInitial + ((config.RampFinal - config.RampInitial) * (elapsed.Ticks / (double)config.RampDuration.Ticks)), config.RampFinal);
        return p >= 1 || _permitRandom.NextDouble() < p;
    }

    private long Wait(int reopens)
    {
        if (config.RetryNever)
        {
            return -1;
        }

        // min(initial × multiplier^reopens, max) × (1 + u), u uniform in [−jitter, +jitter], drawn once per open period.
        var ticks = Math.Min(config.RetryInitial.Ticks * Math.Pow(config.RetryMultiplier, reopens), config.RetryMax.Ticks);
        if (config.Jitter > 0)
        {
            ticks *= 1 + (((_retryRandom.NextDouble() * 2) - 1) * config.Jitter);
        }

        return (long)ticks;
    }

    public readonly record struct Ticket(int Period, CircuitState State, long Start, int Id = 0)
    {
        /// <summary>A probe begun with BeginCall: it holds its slot under a lease.</summary>
        public bool Leased { get; init; }
    }
}

internal enum Outcome
{
    Success,
    Failure,
    Untracked,

    /// <summary>The caller's own cancellation: never recorded.</summary>
    Cancelled,
}

internal readonly record struct ModelMetrics(int Total, int Failures, long DurationTicks, int Slow);
