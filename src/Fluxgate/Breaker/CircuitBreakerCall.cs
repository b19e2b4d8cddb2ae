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
/// slots until it is reported; a call not reported within <see cref="CircuitBreakerOptions.ProbeLease"/> is presumed lost, its
/// slot is given to the next call, and a <see cref="CircuitBreakerFailure"/> tells the listeners (with the stack that began each
/// lost call when the <c>Fluxgate.CircuitBreakerCall.CaptureStacks</c> <see cref="AppContext"/> switch is on). Reporting the
/// same value twice is ignored and told the same way; a copy of the value has no memory of its original's report, so report
/// through one variable. A call closed or metrics-only that is never reported holds nothing and costs nothing. Every build
/// behaves the same. As with <see cref="CircuitBreaker.Execute{T}(Func{T})"/>, an outcome reported after the state changed
/// belongs to a period that has ended and is not recorded, and calls admitted while disabled are not recorded.
/// </para>
/// </remarks>
#pragma warning disable CA1815 // A call is reported, not compared.
public struct CircuitBreakerCall
#pragma warning restore CA1815
{
    private readonly CircuitBreaker? _breaker;
    private readonly CircuitBreaker.Period? _period;
    private readonly long _start;
    private readonly long _probe;
    private readonly bool _enteredHalfOpen;

    // Set by the first report through this value: a second one is ignored and told to the listeners, in every build.
    private bool _reported;

    internal CircuitBreakerCall(CircuitBreaker breaker, CircuitBreaker.Period period, long start, long probe, bool isPermitted, bool enteredHalfOpen)
    {
        _breaker = breaker;
        _period = period;
        _start = start;
        _probe = probe;
        IsPermitted = isPermitted;
        _enteredHalfOpen = enteredHalfOpen;
        _reported = false;
    }

    /// <summary>Gets whether the breaker admitted the call; when <see langword="false"/>, the work must not run.</summary>
    public readonly bool IsPermitted { get; }

    /// <summary>Gets the state that admitted or rejected the call.</summary>
    public readonly CircuitState State => _period?.State ?? CircuitState.Closed;

    /// <summary>Gets whether admitting this call moved the circuit from open to half-open (it was the first call after the open wait).</summary>
    public readonly bool EnteredHalfOpen => _enteredHalfOpen;

    /// <summary>Gets the time until the breaker lets a probe through, for a call rejected while open with a known wait; otherwise <see langword="null"/>.</summary>
    public readonly TimeSpan? RetryAfter => IsPermitted || _breaker is null ? null : _breaker.RetryAfterRejection(_period!, _start);

    /// <summary>Creates (does not throw) the exception describing this rejection, for callers whose contract is an exception or an outcome that carries one.</summary>
    /// <returns>A <see cref="CallNotPermittedException"/> with the breaker's name, the rejecting state and <see cref="RetryAfter"/>.</returns>
    /// <exception cref="InvalidOperationException">The call was permitted, or this is a default value.</exception>
    /// <remarks>The rejection was counted in the breaker's meter when it happened; creating its exception counts nothing.</remarks>
    public readonly CallNotPermittedException CreateRejection()
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
    /// <remarks>A second report through this value is ignored (and told to the listeners as a <see cref="CircuitBreakerFailure"/>).</remarks>
    public CircuitState? Complete<TResult>(TResult result)
    {
        var breaker = PermittedBreaker();
        return !FirstReport() || _period!.State == CircuitState.Disabled ? null : breaker.OnResult(_period, _start, result, _probe);
    }

    /// <summary>Reports that the call, which has no result, succeeded.</summary>
    /// <returns>The state the outcome moved the circuit into, or <see langword="null"/> when it stayed.</returns>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    /// <remarks>A second report through this value is ignored (and told to the listeners).</remarks>
    public CircuitState? Complete()
    {
        var breaker = PermittedBreaker();
        return !FirstReport() || _period!.State == CircuitState.Disabled ? null : breaker.OnResult(_period, _start, default(CircuitBreaker.VoidResult), _probe);
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
    /// <remarks>A second report through this value is ignored (and told to the listeners).</remarks>
    public CircuitState? Fail(Exception exception, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var breaker = PermittedBreaker();
        return !FirstReport() || _period!.State == CircuitState.Disabled ? null : breaker.OnException(_period, _start, exception, _probe, cancellationToken);
    }

    /// <summary>Reports that the work did not run after all (or its outcome is unknown): nothing is recorded, and a probe's slot is given back.</summary>
    /// <exception cref="InvalidOperationException">The call was rejected, or this is a default value.</exception>
    /// <remarks>A second report through this value is ignored (and told to the listeners).</remarks>
    public void Abandon()
    {
        var breaker = PermittedBreaker();
        if (FirstReport())
        {
            breaker.ReleaseProbe(_period!, _probe);
        }
    }

    /// <summary>Returns e.g. <c>payment_api: permitted (half-open)</c>.</summary>
    /// <returns>The text.</returns>
    public override readonly string ToString() => _breaker is null
        ? "(not begun)"
        : $"{_breaker.Name}: {(IsPermitted ? "permitted" : "rejected")} ({State.ToWireName()})";

    private const string NotBegun = "This CircuitBreakerCall is a default value; calls come from CircuitBreaker.BeginCall().";

    private readonly CircuitBreaker PermittedBreaker()
    {
        if (_breaker is null || !IsPermitted)
        {
            throw new InvalidOperationException(_breaker is null ? NotBegun : "The call was rejected: it did not run, so it has no outcome to report.");
        }

        return _breaker;
    }

    /// <summary>Notes the report; <see langword="false"/> (and the listeners told) when this value was reported already.</summary>
    private bool FirstReport()
    {
        if (!_reported)
        {
            _reported = true;
            return true;
        }

        _breaker!.ReportMisuse(new InvalidOperationException($"A call of circuit breaker '{_breaker.Name}' permitted while {State.ToWireName()} was reported a second time: the second report was ignored. Report a CircuitBreakerCall exactly once."));
        return false;
    }
}
