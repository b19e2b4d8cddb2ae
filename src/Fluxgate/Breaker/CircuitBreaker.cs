using System.Globalization;
using System.Runtime.CompilerServices;

namespace Fluxgate;

/// <summary>
/// A circuit breaker: runs calls to a dependency, watches their outcomes, and stops calling it
/// (rejects calls at once) while it is failing, letting probes through to detect recovery.
/// </summary>
/// <remarks>
/// <para>
/// One instance protects one dependency and is shared by all its callers. It is thread-safe under any mix
/// of threads and async callers: no outcome is lost or counted twice and no transition is skipped.
/// An outcome belongs to the state period in which its call was admitted; a call that finishes after a
/// transition is not recorded. Admission in the closed state takes no lock; each recorded outcome takes
/// one short lock.
/// </para>
/// <para>See <see cref="CircuitBreakerOptions"/> for the parts it is made of, and <see cref="CircuitState"/> for its states.</para>
/// </remarks>
public sealed partial class CircuitBreaker
{
#if NET9_0_OR_GREATER
    private readonly Lock _lock = new();
#else
    private readonly object _lock = new();
#endif

    // The counters the lock guards, in an object of their own allocated right after the lock (field initializers run in
    // order, and allocation and compaction keep that order): a failure's write lands near the lock's line, which the
    // recording caller already owns, not on this object's line, which every call reads (_period). docs/benchmarks.md,
    // "Contention".
    private readonly GuardedCounters _guarded = new();
    private readonly TimeProvider _timeProvider;
    private readonly SignalDispatcher _dispatcher;
    private readonly BreakerTelemetry _telemetry;
    private readonly double _timestampToTicks;

    private volatile Period _period;

    /// <summary>How many transitions <see cref="CircuitBreakerInfo.RecentTransitions"/> keeps: 10.</summary>
    public const int RecentTransitionsKept = 10;

    /// <summary>The lease of calls the breaker runs itself: they always report their outcome.</summary>
    private const long NoProbe = 0;

    /// <summary>The "when" of a call the breaker did not time (<see cref="CircuitBreakerOptions.MeasureDurations"/> off): no clock was read.</summary>
    internal const long NoTimestamp = long.MinValue;

    // Calls admitted while half-open (in any half-open period) that have not finished yet; updated with Interlocked.
    private int _halfOpenInFlight;

    // Leases of half-open calls begun with BeginCall and not yet reported; created by the first such call.
    private ProbeLeases? _probeLeases;

    /// <summary>Creates a breaker with the default options (see <see cref="CircuitBreakerOptions"/>).</summary>
    public CircuitBreaker()
        : this(new CircuitBreakerOptions())
    {
    }

    /// <summary>Creates a breaker from <paramref name="options"/>, which are copied.</summary>
    /// <param name="options">The configuration.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options' window already serves another breaker, or their tripper reads durations (<see cref="Tripper.ReadsDurations"/>) while <see cref="CircuitBreakerOptions.MeasureDurations"/> is false.</exception>
    public CircuitBreaker(CircuitBreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = options.Name;
        _timeProvider = options.TimeProvider;
        _timestampToTicks = TimeSpan.TicksPerSecond / (double)_timeProvider.TimestampFrequency;
        _telemetry = new BreakerTelemetry(Name);
        _dispatcher = new SignalDispatcher(Name, options, _telemetry);

        _period = new Period(_timeProvider.GetTimestamp(), _timeProvider.GetUtcNow(), CreateParts(options));
        FluxgateMeter.Register(this);
    }

    /// <summary>Gets the breaker's name.</summary>
    public string Name { get; }

    /// <summary>Gets the current state.</summary>
    /// <remarks>An open circuit whose wait has passed still reads <see cref="CircuitState.Open"/>: it moves to half-open on the next call, not on a timer.</remarks>
    public CircuitState State => _period.State;

    /// <summary>Returns a consistent snapshot of the state, counters and metrics.</summary>
    /// <returns>The snapshot; metrics are those of the moment of reading.</returns>
    public CircuitBreakerInfo GetInfo()
    {
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            var period = _period;
            return new CircuitBreakerInfo(period.State, period.ChangedAt, _guarded.Reopens, _guarded.ConsecutiveFailures, Report(period.Parts, period.Parts.Window.GetMetric(now)), period.Cause, period.Sequence, period.RecentTransitions, period.Parts.Policy, RetryAfter(period, now));
        }
    }

    /// <summary>
    /// Replaces the breaker's window, tracker, result tracker, tripper, retry, permit,
    /// <see cref="CircuitBreakerOptions.MaxHalfOpenCalls"/> and <see cref="CircuitBreakerOptions.MeasureDurations"/> with those of <paramref name="options"/> (used by
    /// configuration reload), keeping its state, the timing of that state, its reopens and failure streak.
    /// </summary>
    /// <param name="options">The new parts. Its window must be a new instance.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The options name another breaker, their window already serves a breaker, or their tripper reads durations the options do not measure.</exception>
    /// <remarks>
    /// The current state period ends silently (no transition, no signal) and a new one begins in the same
    /// state with the new parts and an empty window: outcomes of calls admitted before are discarded, as at
    /// any period boundary. An open circuit keeps the wait it drew when it opened. <c>Name</c>,
    /// <c>TimeProvider</c>, listeners and their settings are fixed at construction; their values in
    /// <paramref name="options"/> are ignored.
    /// </remarks>
    public void Reconfigure(CircuitBreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.Equals(options.Name, Name, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The options are for breaker '{options.Name}', not '{Name}'.", nameof(options));
        }

        var parts = CreateParts(options);
        lock (_lock)
        {
            var current = _period;
            _period = new Period(current.State, current.StartedAt, current.ChangedAt, current.WaitTimestampTicks, parts, current.ProbeLeaseTicks, current.Cause, current.Sequence, current.RecentTransitions);
        }
    }

    /// <summary>Closes the circuit and clears the window, reopens and failure streak; signalled even when already closed.</summary>
    public void Reset() => TransitionManually(CircuitState.Closed);

    /// <summary>Disables the breaker: calls run and nothing is recorded, until another manual call.</summary>
    public void Disable() => TransitionManually(CircuitState.Disabled);

    /// <summary>Switches to metrics-only: calls run and are recorded, and the circuit never opens, until another manual call.</summary>
    public void MetricsOnly() => TransitionManually(CircuitState.MetricsOnly);

    /// <summary>Forces the circuit open: every call is rejected, until another manual call.</summary>
    public void ForceOpen() => TransitionManually(CircuitState.ForcedOpen);

    /// <summary>Returns a task that completes when every async listener has handled every signal emitted so far (for graceful shutdown and tests).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The task.</returns>
    public Task FlushListenersAsync(CancellationToken cancellationToken = default) => _dispatcher.WhenAsyncListenersIdle(cancellationToken);

    /// <summary>Runs <paramref name="action"/> under the breaker's lock: the built-in windows' public members read and clear themselves through it.</summary>
    internal TResult WithLock<TState, TResult>(Func<TState, TResult> action, TState state)
    {
        lock (_lock)
        {
            return action(state);
        }
    }

    /// <summary>Gets whether the current thread holds the breaker's lock (for tests of what runs under it).</summary>
#if NET9_0_OR_GREATER
    internal bool IsLockHeldByCurrentThread => _lock.IsHeldByCurrentThread;
#else
    internal bool IsLockHeldByCurrentThread => Monitor.IsEntered(_lock);
#endif

    /// <summary>Returns the name and state, e.g. <c>payment_api (closed)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Name} ({State.ToWireName()})";

    /// <summary>Admits or rejects a call. On admission, the caller must report the outcome with <c>OnResult</c> or <c>OnException</c> (a <see cref="VoidResult"/> for calls without a result).</summary>
    /// <param name="period">The period that admitted (or rejected) the call.</param>
    /// <param name="start">When the call started; <see cref="NoTimestamp"/> for an untimed call admitted while closed, metrics-only or disabled, 0 for a rejection while forced open.</param>
    /// <returns><see langword="true"/> when the call may run.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryEnter(out Period period, out long start)
    {
        period = _period;
        if (period.State is CircuitState.Closed or CircuitState.MetricsOnly or CircuitState.Disabled)
        {
            // Admission needs no time here: the clock is read only to time the call.
            start = period.TimesCalls ? _timeProvider.GetTimestamp() : NoTimestamp;
            return true;
        }

        if (period.State == CircuitState.ForcedOpen)
        {
            // Nothing to time and nothing to wait for: reject without reading the clock.
            start = 0;
            return false;
        }

        start = _timeProvider.GetTimestamp();
        var transitioned = false;
        return TryEnterSlow(ref period, start, ref transitioned);
    }

    /// <summary>Admits or rejects a call outside the closed state; <paramref name="transitioned"/> becomes true when this call's admission moved the circuit from open to half-open.</summary>
    private bool TryEnterSlow(ref Period period, long start, ref bool transitioned)
    {
        while (true)
        {
            switch (period.State)
            {
                case CircuitState.Closed or CircuitState.MetricsOnly or CircuitState.Disabled:
                    return true;

                case CircuitState.HalfOpen:
                    if (!AdmitProbe(period, start))
                    {
                        return false;
                    }

                    // Full: a probe taken by BeginCall and never reported may be holding a slot past its lease.
                    return TryTakeProbeSlot(period.Parts.MaxHalfOpenCalls) || (ReclaimExpiredProbes(start) && TryTakeProbeSlot(period.Parts.MaxHalfOpenCalls));

                case CircuitState.Open:
                    if (period.WaitTimestampTicks < 0 || start - period.StartedAt < period.WaitTimestampTicks)
                    {
                        return false;
                    }

                    // The wait has passed: this call moves the circuit to half-open (unless another call
                    // already did, or something else happened meanwhile) and is then handled by the new state.
                    lock (_lock)
                    {
                        if (ReferenceEquals(_period, period))
                        {
                            Transition_NeedsLock(CircuitState.HalfOpen, start, TransitionCause.RetryElapsed);
                            transitioned = true;
                        }
                    }

                    // Read the period after the listeners ran: one of them may have moved the circuit on (a sync
                    // listener that forces it open on entering half-open), and this call must obey that.
                    _dispatcher.DeliverPending();
                    period = _period;
                    continue;

                default:
                    return false;
            }
        }
    }

    /// <summary>Records a returned result, classified by the result tracker. Never throws: the caller must see the call's own result.</summary>
    /// <remarks>Never called for a call admitted while disabled: <c>Run</c> and <c>RunAsync</c> run those without recording.</remarks>
    private void OnResult<T>(Period period, long start, T result) => OnResult(period, start, result, NoProbe);

    /// <summary>Records a returned result; returns the state the outcome moved the circuit into, if it did.</summary>
    internal CircuitState? OnResult<T>(Period period, long start, T result, long probe)
    {
        try
        {
            var failure = typeof(T) != typeof(VoidResult) && period.Parts.ResultTracker is { } resultTracker && IsFailureResult(resultTracker, result);
            return Complete(period, start, failure ? CallOutcome.Failure : CallOutcome.Success, probe);
        }
#pragma warning disable CA1031 // Every part is guarded on its own; this is the last line for a throwing TimeProvider: the call already ran.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>Records a thrown exception: a failure if tracked, nothing if untracked or the caller's own cancellation. Never throws: the caller must see the call's own exception.</summary>
    /// <remarks>Never called for a call admitted while disabled, as <c>OnResult</c>.</remarks>
    private void OnException(Period period, long start, Exception exception, CancellationToken cancellationToken) =>
        OnException(period, start, exception, NoProbe, cancellationToken);

    /// <summary>Records a thrown exception; returns the state the outcome moved the circuit into, if it did.</summary>
    internal CircuitState? OnException(Period period, long start, Exception exception, long probe, CancellationToken cancellationToken)
    {
        try
        {
            var ignored = (exception is OperationCanceledException && cancellationToken.IsCancellationRequested) || !IsTracked(period.Parts.Tracker, exception);
            return Complete(period, start, ignored ? CallOutcome.Ignored : CallOutcome.Failure, probe);
        }
#pragma warning disable CA1031 // As in OnResult.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private CircuitState? Complete(Period period, long start, CallOutcome outcome, long probe)
    {
        var elapsed = 0L;
        CircuitState? entered = null;
        try
        {
            long end;
            if (period.TimesCalls)
            {
                end = _timeProvider.GetTimestamp();
                elapsed = end - start;
            }
            else
            {
                // Untimed: the clock is read only for a window that places outcomes in time (a transition reads it itself).
                end = outcome != CallOutcome.Ignored && period.ClockAtEnd ? _timeProvider.GetTimestamp() : NoTimestamp;
            }

            if (outcome != CallOutcome.Ignored)
            {
                entered = Record(period, outcome == CallOutcome.Failure, elapsed, end);
            }
        }
        finally
        {
            ReleaseProbe(period, probe);
        }

        if (BreakerTelemetry.CallsEnabled)
        {
            _telemetry.Completed(outcome, period.TimesCalls ? ToTimeSpan(elapsed) : null);
        }

        return entered;
    }

    /// <summary>Gives back a half-open call's slot: once, whoever asks first (the call, or the reclaiming of its expired lease).</summary>
    /// <param name="period">The period that admitted the call.</param>
    /// <param name="probe">The call's lease (from <see cref="BeginCall"/>), or <see cref="NoProbe"/> for calls the breaker runs itself.</param>
    internal void ReleaseProbe(Period period, long probe)
    {
        if (period.State != CircuitState.HalfOpen)
        {
            return;
        }

        if (probe == NoProbe || _probeLeases?.Release(probe) == true)
        {
            Interlocked.Decrement(ref _halfOpenInFlight);
        }
    }

    private bool TryTakeProbeSlot(int maxHalfOpenCalls)
    {
        if (Interlocked.Increment(ref _halfOpenInFlight) <= maxHalfOpenCalls)
        {
            return true;
        }

        Interlocked.Decrement(ref _halfOpenInFlight);
        return false;
    }

    /// <summary>Gives back the slots of probes begun with <see cref="BeginCall"/> whose lease has run out, and reports them.</summary>
    /// <returns><see langword="true"/> when a slot was given back.</returns>
    private bool ReclaimExpiredProbes(long now)
    {
        List<string>? stacks = null;
        var reclaimed = _probeLeases?.ReclaimExpired(now, out stacks) ?? 0;
        if (reclaimed == 0)
        {
            return false;
        }

        Interlocked.Add(ref _halfOpenInFlight, -reclaimed);
        _dispatcher.ReportComponentFailure(new CircuitBreakerFailure(
            Name,
            this,
            ComponentOperations.CallComplete,
            new InvalidOperationException(
                $"{reclaimed} half-open call(s) begun with BeginCall were not reported within the probe lease (CircuitBreakerOptions.ProbeLease): presumed lost, their probe slots were given to new calls. Report every permitted CircuitBreakerCall exactly once (Complete, Fail or Abandon), also when the caller gives up; if calls legitimately take longer, raise ProbeLease."
                + (stacks is null
                    ? " (Turn the AppContext switch Fluxgate.CircuitBreakerCall.CaptureStacks on to see where they began.)"
                    : $" They began at:{Environment.NewLine}{string.Join(Environment.NewLine + "--" + Environment.NewLine, stacks)}"))));
        return true;
    }

    /// <summary>Records an outcome of a call admitted in <paramref name="period"/>; returns the state it moved the circuit into, if any.</summary>
    /// <param name="period">The period that admitted the call.</param>
    /// <param name="failure">Whether it failed.</param>
    /// <param name="elapsed">Its duration in timestamp ticks; 0 when not timed.</param>
    /// <param name="end">When it ended, or <see cref="NoTimestamp"/> when the clock was not read.</param>
    private CircuitState? Record(Period period, bool failure, long elapsed, long end)
    {
        bool deliver;
        CircuitState? entered;
        lock (_lock)
        {
            if (!ReferenceEquals(_period, period))
            {
                // Admitted in an earlier state period: its outcome belongs to a window that no longer exists.
                return null;
            }

            deliver = Record_NeedsLock(period, failure, ToTimeSpan(elapsed), end);
            entered = ReferenceEquals(_period, period) ? null : _period.State;
        }

        if (deliver)
        {
            _dispatcher.DeliverPending();
        }

        return entered;
    }

    /// <summary>Records an outcome into the period's window and asks the tripper whether to move.</summary>
    /// <returns><see langword="true"/> when signals or component failures wait for delivery (outside the lock).</returns>
    /// <remarks>
    /// Closed: the tripper's true opens. Half-open: a success with false closes, a failure with true reopens.
    /// A faulty window or tripper is reported and counts as "no transition".
    /// </remarks>
    private bool Record_NeedsLock(Period period, bool failure, TimeSpan duration, long end)
    {
        var state = period.State;
        var parts = period.Parts;
        var queued = false;
        try
        {
            parts.Window.RecordOutcome(failure, duration, end);
        }
#pragma warning disable CA1031 // A custom window's fault is reported, never thrown at the caller.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            queued = QueueComponentFailure_NeedsLock(parts.Window, ComponentOperations.WindowRecord, exception);
        }

        if (failure)
        {
            _guarded.ConsecutiveFailures = _guarded.ConsecutiveFailures == int.MaxValue ? int.MaxValue : _guarded.ConsecutiveFailures + 1;
        }
        else if (_guarded.ConsecutiveFailures != 0)
        {
            // Written only when it changes: a needless write would move the line to this core on every success.
            _guarded.ConsecutiveFailures = 0;
        }

        if (state == CircuitState.MetricsOnly || Evaluate_NeedsLock(parts, state, end, ref queued) is not { } trip)
        {
            return queued;
        }

        CircuitState next;
        TransitionCause cause;
        if (state == CircuitState.Closed && trip)
        {
            (next, cause) = (CircuitState.Open, TransitionCause.Tripper);
        }
        else if (state == CircuitState.HalfOpen && failure && trip)
        {
            (next, cause) = (CircuitState.Open, TransitionCause.ProbeFailed);
        }
        else if (state == CircuitState.HalfOpen && !failure && !trip)
        {
            (next, cause) = (CircuitState.Closed, TransitionCause.ProbeSucceeded);
        }
        else
        {
            return queued;
        }

        // The transition reads the window again for its evidence (the same figures: nothing changed under the lock). Not
        // handed over from the evaluation: a metric passed out of it lives in this frame on every record, not only on the
        // rare transition (docs/benchmarks.md, the closed call before and after the API review). An untimed call read no
        // clock, but the new period's start (an open circuit's wait) needs the time.
        Transition_NeedsLock(next, end == NoTimestamp ? _timeProvider.GetTimestamp() : end, cause);
        return true;
    }

    /// <summary>Asks the tripper about the window as it is at <paramref name="end"/>.</summary>
    /// <returns>The tripper's answer, or <see langword="null"/> when the window or the tripper threw (reported).</returns>
    private bool? Evaluate_NeedsLock(Parts parts, CircuitState state, long end, ref bool queued)
    {
        Metric metric;
        bool trip;
#pragma warning disable CA1031 // A custom part's fault is reported, never thrown at the caller.
        try
        {
            metric = parts.Window.GetMetric(end);
        }
        catch (Exception exception)
        {
            queued |= QueueComponentFailure_NeedsLock(parts.Window, ComponentOperations.WindowGetMetric, exception);
            return null;
        }

        try
        {
            trip = parts.Tripper.Evaluate(new CallContext(metric.WatchingSlowThresholds(parts.Thresholds, parts.MeasureDurations), state, _guarded.ConsecutiveFailures));
        }
        catch (Exception exception)
        {
            queued |= QueueComponentFailure_NeedsLock(parts.Tripper, ComponentOperations.TripperEvaluate, exception);
            return null;
        }
#pragma warning restore CA1031

        if (parts.Thresholds.TakeMisses() is { } missed)
        {
            // A tripper read the slow rate of a threshold its tree does not register (a custom composite that does not
            // return its children from GetChildren): the window never counted those calls, so say so, once per threshold.
            foreach (var threshold in missed)
            {
                queued |= QueueComponentFailure_NeedsLock(
                    parts.Tripper,
                    ComponentOperations.TripperSlowThreshold,
                    new InvalidOperationException(
                        $"The tripper read the slow rate at {Syntax.Duration(threshold)}, but no SlowRate tripper in its tree registers that threshold, so the window does not count calls that slow and the rate reads 0. A custom tripper that holds other trippers must return them from GetChildren()."));
            }
        }

        return trip;
    }

    private void TransitionManually(CircuitState next)
    {
        var now = _timeProvider.GetTimestamp();
        lock (_lock)
        {
            Transition_NeedsLock(next, now, TransitionCause.Manual);
        }

        _dispatcher.DeliverPending();
    }

    /// <param name="next">The state to enter.</param>
    /// <param name="now">The monotonic timestamp of the transition.</param>
    /// <param name="cause">Why.</param>
    private void Transition_NeedsLock(CircuitState next, long now, TransitionCause cause)
    {
        var current = _period;
        var old = current.State;
        if (next == CircuitState.Open && old == CircuitState.HalfOpen && _guarded.Reopens < int.MaxValue)
        {
            _guarded.Reopens++;
        }

        if (next == CircuitState.Closed)
        {
            _guarded.Reopens = 0;
            _guarded.ConsecutiveFailures = 0;
        }
        else if (next == CircuitState.HalfOpen)
        {
            _guarded.ConsecutiveFailures = 0;
        }

        var parts = current.Parts;
        var wait = next == CircuitState.Open ? ToTimestampTicks(GetWaitDuration_NeedsLock(parts.Retry)) : 0;
        var changedAt = _timeProvider.GetUtcNow();
        Metric? evidence = null;
        try
        {
            // The figures the period ended with: the window is cleared next, and listeners and coordinators want to know why.
            evidence = Report(parts, parts.Window.GetMetric(now));
        }
#pragma warning disable CA1031 // Reported; the transition goes on without the figures.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            QueueComponentFailure_NeedsLock(parts.Window, ComponentOperations.WindowGetMetric, exception);
        }

        try
        {
            parts.Window.ResetForBreaker();
        }
#pragma warning disable CA1031 // Reported; the transition goes on.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            QueueComponentFailure_NeedsLock(parts.Window, ComponentOperations.WindowReset, exception);
        }

        var probeLease = next == CircuitState.HalfOpen ? ToTimestampTicks(parts.ProbeLease) : 0;
        var signal = new Signal(Name, old, next, changedAt, cause, current.Sequence + 1, evidence ?? Report(parts, default));
        _period = new Period(next, now, changedAt, wait, parts, probeLease, cause, signal.Sequence, Append(current.RecentTransitions, signal));

        // The signal is queued before the meter hears of it: a throwing meter listener must not cost a listener its signal.
        _dispatcher.Enqueue_NeedsLock(signal);
        _telemetry.Transition_NeedsLock(old, next);
    }

    /// <summary>Returns a new array: the last transitions with <paramref name="signal"/> added, at most <see cref="RecentTransitionsKept"/>.</summary>
    /// <remarks>Copied on each transition (rare) so that <see cref="GetInfo"/> hands out the period's array without copying it.</remarks>
    private static Signal[] Append(Signal[] recent, Signal signal)
    {
        var keep = Math.Min(recent.Length, RecentTransitionsKept - 1);
        var next = new Signal[keep + 1];
        Array.Copy(recent, recent.Length - keep, next, 0, keep);
        next[keep] = signal;
        return next;
    }

    /// <summary>Asks the retry how long to stay open; a retry that throws is reported and the circuit probes on the next call.</summary>
    private TimeSpan GetWaitDuration_NeedsLock(Retry retry)
    {
        try
        {
            return retry.GetWaitDuration(_guarded.Reopens);
        }
#pragma warning disable CA1031 // Reported; never stuck open because of a faulty retry.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            QueueComponentFailure_NeedsLock(retry, ComponentOperations.RetryGetWaitDuration, exception);
            return TimeSpan.Zero;
        }
    }

    /// <summary>Asks the permit whether a half-open call may run as a probe; a permit that throws is reported and the call is not admitted.</summary>
    private bool AdmitProbe(Period period, long now)
    {
        var permit = period.Parts.Permit;
        try
        {
            return permit.Admit(ToTimeSpan(now - period.StartedAt));
        }
#pragma warning disable CA1031 // Reported; in doubt, protect the recovering dependency.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            _dispatcher.ReportComponentFailure(new CircuitBreakerFailure(Name, permit, ComponentOperations.PermitAdmit, exception));
            return false;
        }
    }

    /// <summary>Queues a component failure for delivery once the lock is released.</summary>
    /// <returns><see langword="true"/>, so callers can fold it into "something waits for delivery".</returns>
    private bool QueueComponentFailure_NeedsLock(object component, string operation, Exception exception)
    {
        _dispatcher.QueueComponentFailure_NeedsLock(new CircuitBreakerFailure(Name, component, operation, exception));
        return true;
    }

    private bool IsTracked(Tracker tracker, Exception exception)
    {
        try
        {
            return tracker.IsFailure(exception);
        }
#pragma warning disable CA1031 // A tracker that throws must not replace the call's own exception; the call failed, so count it.
        catch (Exception trackerException)
#pragma warning restore CA1031
        {
            _dispatcher.ReportComponentFailure(new CircuitBreakerFailure(Name, tracker, ComponentOperations.TrackerIsFailure, trackerException));
            return true;
        }
    }

    private bool IsFailureResult<T>(ResultTracker tracker, T result)
    {
        try
        {
            return tracker.IsFailure(result);
        }
#pragma warning disable CA1031 // A result tracker that throws must not replace the call's result; count the call as failed.
        catch (Exception trackerException)
#pragma warning restore CA1031
        {
            _dispatcher.ReportComponentFailure(new CircuitBreakerFailure(Name, tracker, ComponentOperations.ResultTrackerIsFailure, trackerException));
            return true;
        }
    }

    private CallNotPermittedException CreateRejection(Period period, long now)
    {
        if (BreakerTelemetry.CallsEnabled)
        {
            _telemetry.Rejected();
        }

        return new CallNotPermittedException(Name, period.State, RetryAfter(period, now));
    }

    private void CountRejection()
    {
        if (BreakerTelemetry.CallsEnabled)
        {
            _telemetry.Rejected();
        }
    }

    private TimeSpan? RetryAfter(Period period, long now) =>
        period.State == CircuitState.Open && period.WaitTimestampTicks >= 0
            ? ToTimeSpan(Math.Max(period.WaitTimestampTicks - (now - period.StartedAt), 0))
            : null;

    private TimeSpan ToTimeSpan(long timestampTicks) => new(Saturating.ToInt64(Math.Max(timestampTicks, 0) * _timestampToTicks));

    private long ToTimestampTicks(TimeSpan wait)
    {
        if (wait == Timeout.InfiniteTimeSpan)
        {
            return -1;
        }

        // Saturate instead of overflowing for waits near TimeSpan.MaxValue; negative waits mean "now".
        var ticks = Math.Max(wait.Ticks, 0) / _timestampToTicks;
        return ticks >= long.MaxValue / 2 ? long.MaxValue / 2 : Saturating.ToInt64(ticks);
    }

    /// <summary>Returns a window's snapshot as the breaker reports it: durations marked not measured when it does not time its calls (a custom window's too).</summary>
    private static Metric Report(Parts parts, Metric metric) => parts.MeasureDurations ? metric : metric.WithoutDurations();

    private Parts CreateParts(CircuitBreakerOptions options)
    {
        if (!options.MeasureDurations && options.Tripper.ReadsDurations())
        {
            // Checked before the window is taken, so a rejected configuration leaves it free for a corrected one.
            throw new ArgumentException(
                $"The Tripper ({options.Tripper}) decides on call durations (an AvgLatency, a SlowRate, or a custom tripper whose DecidesOnDurations is true), but MeasureDurations is false, so breaker '{Name}' would not time its calls: set CircuitBreakerOptions.MeasureDurations to true, or use a tripper that reads no durations.",
                nameof(options));
        }

        var window = options.Window;
        var thresholds = SlowThresholdSet.ForBreaker(options.Tripper.SlowThresholdTicks());
        if (window.TryAttach(this, _timeProvider, thresholds, options.MeasureDurations) is { } owner)
        {
            if (!options.WindowIsDefault)
            {
                var other = ReferenceEquals(owner, this) ? "this circuit breaker" : string.Equals(owner.Name, Name, StringComparison.Ordinal)
                    ? $"another circuit breaker also named '{owner.Name}'"
                    : $"circuit breaker '{owner.Name}'";
                throw new ArgumentException(
                    $"The Window set in these options ({window}) already serves {other}; a window instance serves one breaker, so give '{Name}' a window of its own (e.g. a new {window.GetType().Name}).",
                    nameof(options));
            }

            // The options' default window was taken by an earlier breaker built from the same options: this one gets its own.
            window = new CountWindow(CircuitBreakerOptions.DefaultWindowSize);
            window.TryAttach(this, _timeProvider, thresholds, options.MeasureDurations);
        }

        return new Parts(window, thresholds, options.Tracker, options.ResultTracker, options.Tripper, options.Retry, options.Permit, options.MaxHalfOpenCalls, options.ProbeLease, options.MeasureDurations);
    }

    /// <summary>The components a period decides with; replaced as a whole by <see cref="Reconfigure"/>.</summary>
    internal sealed record Parts(Window Window, SlowThresholdSet Thresholds, Tracker Tracker, ResultTracker? ResultTracker, Tripper Tripper, Retry Retry, Permit Permit, int MaxHalfOpenCalls, TimeSpan ProbeLease, bool MeasureDurations)
    {
        private string? _policy;

        /// <summary>Gets the policy as configuration writes it; printed once, when first asked for.</summary>
        public string Policy => _policy ??= PrintPolicy();

        private string PrintPolicy()
        {
            var text = $"Window={Print(Window)}; Tracker={Print(Tracker)}; ";
            if (ResultTracker is { } resultTracker)
            {
                text += $"ResultTracker={Print(resultTracker)}; ";
            }

            text += string.Create(CultureInfo.InvariantCulture, $"Tripper={Print(Tripper)}; Retry={Print(Retry)}; Permit={Print(Permit)}; MaxHalfOpenCalls={MaxHalfOpenCalls}");

            // Written only when off, as configuration writes it: the policies of breakers that time their calls read as before.
            return MeasureDurations ? text : text + "; MeasureDurations=false";
        }

        /// <summary>A part's own text; a custom part whose ToString throws or returns nothing prints its type's name.</summary>
        private static string Print(object part)
        {
            try
            {
                return part.ToString() is { Length: > 0 } text ? text : part.GetType().Name;
            }
#pragma warning disable CA1031 // A custom part's ToString is user code; the policy text must not fail GetInfo.
            catch (Exception)
#pragma warning restore CA1031
            {
                return part.GetType().Name;
            }
        }
    }

    /// <summary>
    /// One state period: from a transition (or a reconfiguration) to the next. Outcomes are recorded only
    /// into the period that admitted their call, and each period decides with its own parts.
    /// </summary>
    internal sealed class Period(CircuitState state, long startedAt, DateTimeOffset changedAt, long waitTimestampTicks, Parts parts, long probeLeaseTicks, TransitionCause cause, long sequence, Signal[] recentTransitions)
    {
        /// <summary>Creates the breaker's first period: closed, no transition yet.</summary>
        public Period(long startedAt, DateTimeOffset changedAt, Parts parts)
            : this(CircuitState.Closed, startedAt, changedAt, 0, parts, 0, TransitionCause.None, 0, [])
        {
        }

        /// <summary>Whether calls admitted in the period are timed (<see cref="Parts.MeasureDurations"/>), here to spare the hot path a read of the parts.</summary>
        public readonly bool TimesCalls = parts.MeasureDurations;

        /// <summary>Untimed only: whether a call's end reads the clock anyway, for a window that places outcomes in time.</summary>
        public readonly bool ClockAtEnd = !parts.MeasureDurations && parts.Window.ReadsTimestamps;

        /// <summary>Half-open only: how long a probe taken by <see cref="BeginCall"/> may go unreported before its slot is reclaimed, in timestamp ticks; −1 for never.</summary>
        public readonly long ProbeLeaseTicks = probeLeaseTicks;

        public readonly CircuitState State = state;

        public readonly Parts Parts = parts;

        /// <summary>When the period began, on the monotonic clock.</summary>
        public readonly long StartedAt = startedAt;

        public readonly DateTimeOffset ChangedAt = changedAt;

        /// <summary>Open only: how long to wait before probing, in timestamp ticks; −1 for never.</summary>
        public readonly long WaitTimestampTicks = waitTimestampTicks;

        /// <summary>Why the period began.</summary>
        public readonly TransitionCause Cause = cause;

        /// <summary>The number of the transition that began it; 0 for the first period.</summary>
        public readonly long Sequence = sequence;

        /// <summary>The breaker's last transitions, this period's included, oldest first; never changed once created.</summary>
        public readonly Signal[] RecentTransitions = recentTransitions;
    }

    /// <summary>The result type of calls that return nothing; never shown to a result tracker.</summary>
    internal readonly struct VoidResult;

    /// <summary>The breaker's counters guarded by its lock.</summary>
    private sealed class GuardedCounters
    {
        /// <summary>Reopens since the circuit last closed (the retry's backoff exponent).</summary>
        public int Reopens;

        /// <summary>Failures in a row, whatever the window holds.</summary>
        public int ConsecutiveFailures;
    }
}
