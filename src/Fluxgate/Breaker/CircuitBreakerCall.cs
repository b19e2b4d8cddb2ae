namespace Fluxgate;

/// <summary>
/// One call admitted or rejected by <see cref="CircuitBreaker.BeginCall"/>, whose outcome the caller reports: for running the
/// breaker inside other frameworks, where the breaker cannot run the call itself.
/// </summary>
/// <remarks>
/// <para>
/// Report the outcome of a permitted call exactly once: <see cref="Complete{TResult}(TResult)"/> for a result (classified by
/// the breaker's <see cref="ResultTracker"/>), <see cref="Complete()"/> for a call without one, <see cref="Fail"/> for an
/// exception (classified by its <see cref="Tracker"/>), or <see cref="Abandon"/> when the work did not run after all. The
/// value has no state of its own: reporting two copies records two outcomes.
/// </para>
/// <para>
/// A call admitted while half-open is a probe and holds one of the breaker's <see cref="CircuitBreakerOptions.MaxHalfOpenCalls"/>
/// slots until it is reported; a call not reported within <see cref="CircuitBreakerOptions.ProbeLease"/> is presumed lost and
/// its slot is given to the next call. In a Debug build of Fluxgate, misuse is
/// loud instead: reporting a call twice throws, and a permitted call that is collected unreported makes the breaker's next
/// <see cref="CircuitBreaker.BeginCall"/> throw. As with <see cref="CircuitBreaker.Execute{T}(Func{T})"/>, an outcome reported after the state
/// changed belongs to a period that has ended and is not recorded, and calls admitted while disabled are not recorded.
/// </para>
/// </remarks>
public readonly struct CircuitBreakerCall
{
    private readonly CircuitBreaker? _breaker;
    private readonly CircuitBreaker.Period? _period;
    private readonly long _start;
    private readonly long _probe;
    private readonly bool _enteredHalfOpen;
#if DEBUG
    private readonly ReportGuard? _guard;
#endif

    internal CircuitBreakerCall(CircuitBreaker breaker, CircuitBreaker.Period period, long start, long probe, bool isPermitted, bool enteredHalfOpen)
    {
        _breaker = breaker;
        _period = period;
        _start = start;
        _probe = probe;
        IsPermitted = isPermitted;
        _enteredHalfOpen = enteredHalfOpen;
#if DEBUG
        _guard = isPermitted ? new ReportGuard(breaker, period.State) : null;
#endif
    }

    /// <summary>Gets whether the breaker admitted the call; when <see langword="false"/>, the work must not run.</summary>
    public bool IsPermitted { get; }

    /// <summary>Gets the state that admitted or rejected the call.</summary>
    public CircuitState State => _period?.State ?? CircuitState.Closed;

    /// <summary>Gets whether admitting this call moved the circuit from open to half-open (it was the first call after the open wait).</summary>
    public bool EnteredHalfOpen => _enteredHalfOpen;

    /// <summary>Gets the time until the breaker lets a probe through, for a call rejected while open with a known wait; otherwise <see langword="null"/>.</summary>
    public TimeSpan? RetryAfter => IsPermitted || _breaker is null ? null : _breaker.RetryAfterRejection(_period!, _start);

    /// <summary>Creates (does not throw) the exception describing this rejection, for callers whose contract is an exception or an outcome that carries one.</summary>
    /// <returns>A <see cref="CallNotPermittedException"/> with the breaker's name, the rejecting state and <see cref="RetryAfter"/>.</returns>
    /// <exception cref="InvalidOperationException">The call was permitted, or this is a default value.</exception>
    /// <remarks>The rejection was counted in the breaker's meter when it happened; creating its exception counts nothing.</remarks>
    public CallNotPermittedException CreateRejection()
    {
        if (_breaker is null || IsPermitted)
        {
            throw new InvalidOperationException(_breaker is null ? NotBegun : "The call was permitted; only a rejected call has a rejection to describe.");
        }

        return _breaker.DescribeRejection(_period!, _start);
    }

    /// <summary>Reports that the call returned <paramref name="result"/>: a failure when the breaker's result tracker says so, otherwise a success.</summary>
    /// <typeparam name="TResult">The result type.</typeparam>
    /// <param name="result">The call's result.</param>
    /// <returns>The state the outcome moved the circuit into (<see cref="CircuitState.Open"/> or <see cref="CircuitState.Closed"/>), or <see langword="null"/> when it stayed.</returns>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    public CircuitState? Complete<TResult>(TResult result)
    {
        var breaker = PermittedBreaker();
        return _period!.State == CircuitState.Disabled ? null : breaker.OnResult(_period, _start, result, _probe);
    }

    /// <summary>Reports that the call, which has no result, succeeded.</summary>
    /// <returns>The state the outcome moved the circuit into, or <see langword="null"/> when it stayed.</returns>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    public CircuitState? Complete()
    {
        var breaker = PermittedBreaker();
        return _period!.State == CircuitState.Disabled ? null : breaker.OnResult(_period, _start, default(CircuitBreaker.VoidResult), _probe);
    }

    /// <summary>
    /// Reports that the call threw <paramref name="exception"/>: a failure when the breaker's tracker tracks it; not recorded when
    /// untracked, or when it is an <see cref="OperationCanceledException"/> and <paramref name="cancellationToken"/> (the caller's
    /// own token) is cancelled.
    /// </summary>
    /// <param name="exception">What the call threw.</param>
    /// <param name="cancellationToken">The caller's token: its cancellation is never the dependency's failure.</param>
    /// <returns>The state the outcome moved the circuit into, or <see langword="null"/> when it stayed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is <see langword="null"/>.</exception>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    public CircuitState? Fail(Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var breaker = PermittedBreaker();
        return _period!.State == CircuitState.Disabled ? null : breaker.OnException(_period, _start, exception, _probe, cancellationToken);
    }

    /// <summary>Reports that the work did not run after all (or its outcome is unknown): nothing is recorded, and a probe's slot is given back.</summary>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    public void Abandon() => PermittedBreaker().ReleaseProbe(_period!, _probe);

    /// <summary>Returns e.g. <c>payment_api: permitted (half-open)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => _breaker is null
        ? "(not begun)"
        : $"{_breaker.Name}: {(IsPermitted ? "permitted" : "rejected")} ({State.ToWireName()})";

    private const string NotBegun = "This CircuitBreakerCall is a default value; calls come from CircuitBreaker.BeginCall().";

    private CircuitBreaker PermittedBreaker()
    {
        if (_breaker is null || !IsPermitted)
        {
            throw new InvalidOperationException(_breaker is null ? NotBegun : "The call was rejected: it did not run, so it has no outcome to report.");
        }

#if DEBUG
        _guard!.Report();
#endif
        return _breaker;
    }

#if DEBUG
    /// <summary>
    /// Debug builds only: makes misuse loud. Release builds cannot afford an object per call, so there a second report
    /// records twice and a lost probe is reclaimed when its lease runs out.
    /// </summary>
    private sealed class ReportGuard(CircuitBreaker breaker, CircuitState state)
    {
        // Where the call began, for the message: the leak is noticed on a later, unrelated BeginCall.
        private readonly string _begunAt = Environment.StackTrace;
        private int _reported;

        ~ReportGuard()
        {
            if (Volatile.Read(ref _reported) == 0)
            {
                breaker.NoteUnreportedCall($"A call of circuit breaker '{breaker.Name}' permitted while {state.ToWireName()} was never reported: every permitted CircuitBreakerCall must end with Complete, Fail or Abandon. It began at:{Environment.NewLine}{_begunAt}");
            }
        }

        public void Report()
        {
            if (Interlocked.Exchange(ref _reported, 1) != 0)
            {
                throw new InvalidOperationException("This call's outcome was already reported: report a CircuitBreakerCall exactly once (a copy of the value is the same call).");
            }

#pragma warning disable CA1816 // Not a Dispose: a reported call has nothing left for the finalizer to check.
            GC.SuppressFinalize(this);
#pragma warning restore CA1816
        }
    }
#endif
}
