namespace Fluxgate;

public sealed partial class CircuitBreaker
{
    /// <summary>
    /// Admits or rejects one call whose running the caller does itself, and whose outcome the caller reports on the returned
    /// <see cref="CircuitBreakerCall"/>: the building block for running the breaker inside other frameworks (a Polly
    /// strategy, middleware, an interceptor).
    /// </summary>
    /// <returns>
    /// The call: when <see cref="CircuitBreakerCall.IsPermitted"/>, run the protected work and report its outcome exactly once
    /// (<see cref="CircuitBreakerCall.Complete{TResult}(TResult)"/>, <see cref="CircuitBreakerCall.Complete()"/>,
    /// <see cref="CircuitBreakerCall.Fail"/> or <see cref="CircuitBreakerCall.Abandon"/>); otherwise do not run it.
    /// </returns>
    /// <remarks>
    /// Admission, recording and telemetry are those of <see cref="Execute{T}(Func{T})"/>: a rejection is counted here, a
    /// permitted call when its outcome is reported. A rejection allocates nothing and throws nothing. A call admitted while
    /// half-open holds a probe slot until it is reported; one that is not reported within
    /// <see cref="CircuitBreakerOptions.ProbeLease"/> (2 minutes by default) is presumed lost, its slot goes to the next call,
    /// and a <see cref="CircuitBreakerFailure"/> tells the listeners.
    /// </remarks>
    public CircuitBreakerCall BeginCall()
    {
        var period = _period;
        if (period.State is CircuitState.Closed or CircuitState.MetricsOnly or CircuitState.Disabled)
        {
            return new CircuitBreakerCall(this, period, period.TimesCalls ? _timeProvider.GetTimestamp() : NoTimestamp, NoProbe, isPermitted: true, enteredHalfOpen: false);
        }

        if (period.State == CircuitState.ForcedOpen)
        {
            CountRejection();
            return new CircuitBreakerCall(this, period, 0, NoProbe, isPermitted: false, enteredHalfOpen: false);
        }

        var start = _timeProvider.GetTimestamp();

        var enteredHalfOpen = false;
        if (!TryEnterSlow(ref period, start, ref enteredHalfOpen))
        {
            CountRejection();
            return new CircuitBreakerCall(this, period, start, NoProbe, isPermitted: false, enteredHalfOpen);
        }

        var probe = period.State == CircuitState.HalfOpen ? ClaimProbeLease(period, start) : NoProbe;
        return new CircuitBreakerCall(this, period, start, probe, isPermitted: true, enteredHalfOpen);
    }

    /// <summary>
    /// Opens the circuit as its tripper would have, for a coordinator acting on evidence this breaker did not see itself (a
    /// fleet's quorum, an operator's tool): from closed or half-open only, with the wait its <see cref="Retry"/> draws, an
    /// empty window, the same signal to listeners and the meter, and the usual half-open recovery afterwards.
    /// </summary>
    /// <returns>
    /// <see langword="true"/> when the circuit moved to open; <see langword="false"/> when it was open already, or in a state a
    /// person chose (forced open, disabled, metrics-only), which a trip never overrides.
    /// </returns>
    /// <remarks>From half-open it counts as a failed probe (reopens grows by one). Calls admitted before the trip are not recorded.</remarks>
    public bool Trip()
    {
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            if (_period.State is not (CircuitState.Closed or CircuitState.HalfOpen))
            {
                return false;
            }

            Transition_NeedsLock(CircuitState.Open, now, TransitionCause.Coordinator);
        }

        _dispatcher.DeliverPending();
        return true;
    }

    /// <summary>Tells the listeners of a misuse of <see cref="BeginCall"/>'s calls (a second report), which is ignored.</summary>
    internal void ReportMisuse(Exception exception) =>
        _dispatcher.ReportComponentFailure(new CircuitBreakerFailure(Name, this, ComponentOperations.CallComplete, exception));

    /// <summary>Creates the exception describing a rejection by <see cref="BeginCall"/>; the rejection was counted when it happened.</summary>
    internal CallNotPermittedException DescribeRejection(Period period, long start) => new(Name, period.State, RetryAfter(period, start));

    /// <summary>Gets the time until a probe may go through, for a call rejected by <paramref name="period"/> at <paramref name="start"/>.</summary>
    internal TimeSpan? RetryAfterRejection(Period period, long start) => RetryAfter(period, start);

    /// <summary>
    /// Whether each probe's lease keeps the stack that began it, for the report of a lost probe (an <see cref="AppContext"/>
    /// switch, off by default: a stack costs an allocation and a walk per probe). Read at each probe, not cached, so it can be
    /// turned on in a running process while a lost probe is hunted; probes are rare, and the read is a dictionary lookup.
    /// </summary>
    private static bool CaptureStacks => AppContext.TryGetSwitch("Fluxgate.CircuitBreakerCall.CaptureStacks", out var capture) && capture;

    private long ClaimProbeLease(Period period, long start)
    {
        var leases = _probeLeases ?? Interlocked.CompareExchange(ref _probeLeases, new ProbeLeases(), null) ?? _probeLeases;
        var expiry = period.ProbeLeaseTicks < 0 || start > long.MaxValue - period.ProbeLeaseTicks ? long.MaxValue : start + period.ProbeLeaseTicks;
        return leases.Claim(expiry, CaptureStacks ? Environment.StackTrace : null);
    }

    /// <summary>
    /// The half-open calls begun with <see cref="BeginCall"/> that have not reported yet, each with the moment its lease runs
    /// out. Used only while probing, so a plain lock and linear scans over at most a few slots are enough.
    /// </summary>
    private sealed class ProbeLeases
    {
#if NET9_0_OR_GREATER
        private readonly Lock _gate = new();
#else
        private readonly object _gate = new();
#endif
        private long[] _ids = new long[4];
        private long[] _expiries = new long[4];
        private string?[] _stacks = new string?[4];
        private int _count;
        private long _lastId;

        /// <summary>Takes a lease that runs out at <paramref name="expiry"/>; returns its id (never <see cref="NoProbe"/>).</summary>
        /// <param name="expiry">When the lease runs out (timestamp).</param>
        /// <param name="stack">Where the call began, when stacks are captured.</param>
        public long Claim(long expiry, string? stack)
        {
            lock (_gate)
            {
                if (_count == _ids.Length)
                {
                    Array.Resize(ref _ids, _count * 2);
                    Array.Resize(ref _expiries, _count * 2);
                    Array.Resize(ref _stacks, _count * 2);
                }

                var id = ++_lastId;
                _ids[_count] = id;
                _expiries[_count] = expiry;
                _stacks[_count] = stack;
                _count++;
                return id;
            }
        }

        /// <summary>Ends the lease <paramref name="id"/>; <see langword="false"/> when it had already ended (reclaimed, or reported before).</summary>
        public bool Release(long id)
        {
            lock (_gate)
            {
                for (var i = 0; i < _count; i++)
                {
                    if (_ids[i] == id)
                    {
                        RemoveAt(i);
                        return true;
                    }
                }

                return false;
            }
        }

        /// <summary>Ends every lease that has run out by <paramref name="now"/>; returns how many, and the stacks that began them (when captured).</summary>
        public int ReclaimExpired(long now, out List<string>? stacks)
        {
            stacks = null;
            lock (_gate)
            {
                var reclaimed = 0;
                for (var i = _count - 1; i >= 0; i--)
                {
                    if (_expiries[i] <= now)
                    {
                        if (_stacks[i] is { } stack)
                        {
                            (stacks ??= []).Add(stack);
                        }

                        RemoveAt(i);
                        reclaimed++;
                    }
                }

                return reclaimed;
            }
        }

        private void RemoveAt(int index)
        {
            _count--;
            _ids[index] = _ids[_count];
            _expiries[index] = _expiries[_count];
            _stacks[index] = _stacks[_count];
            _stacks[_count] = null;
        }
    }
}
