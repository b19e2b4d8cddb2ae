using Polly;
using Fluxgate;
using Polly.Telemetry;

namespace Fluxgate.Polly;

/// <summary>
/// The strategy behind <c>AddFluxgate</c>: one breaker call per execution, admitted with <see cref="Fluxgate.CircuitBreaker.BeginCall"/>
/// and reported with the outcome Polly hands over, so a failure is classified without being rethrown and a rejection costs no throw.
/// </summary>
/// <remarks>Non-generic, like Polly's own strategies that serve both pipeline kinds: the result type arrives per execution.</remarks>
internal sealed class FluxgateResilienceStrategy(
    Fluxgate.CircuitBreaker? breaker,
    Func<ResilienceContext, Fluxgate.CircuitBreaker>? selector,
    ResilienceStrategyTelemetry telemetry) : ResilienceStrategy
{
    private static readonly ResilienceEvent Opened = new(ResilienceEventSeverity.Error, FluxgateResilienceEvents.CircuitOpened);
    private static readonly ResilienceEvent Closed = new(ResilienceEventSeverity.Information, FluxgateResilienceEvents.CircuitClosed);
    private static readonly ResilienceEvent HalfOpened = new(ResilienceEventSeverity.Warning, FluxgateResilienceEvents.CircuitHalfOpened);
    private static readonly ResilienceEvent Rejected = new(ResilienceEventSeverity.Debug, FluxgateResilienceEvents.CircuitRejected);

    protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        var circuit = breaker;
        if (circuit is null && !TrySelect(context, out circuit, out var selectionFailure))
        {
            return Outcome.FromExceptionAsValueTask<TResult>(selectionFailure);
        }

        var call = circuit.BeginCall();

        if (call.EnteredHalfOpen)
        {
            ReportSafely(HalfOpened, context, new FluxgateStateChangedArguments(context, circuit.Name, CircuitState.Open, CircuitState.HalfOpen));
        }

        if (!call.IsPermitted)
        {
            ReportSafely(Rejected, context, new FluxgateRejectedArguments(context, circuit.Name, call.State, call.RetryAfter));
            return Outcome.FromExceptionAsValueTask<TResult>(call.CreateRejection());
        }

        ValueTask<Outcome<TResult>> pending;
        try
        {
            pending = callback(context, state);
        }
#pragma warning disable CA1031 // Polly's callbacks return failures as outcomes; one that throws anyway must still report the call (its probe slot).
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var thrown = Outcome.FromException<TResult>(exception);
            Report(call, circuit, context, thrown);
            return new ValueTask<Outcome<TResult>>(thrown);
        }

        if (pending.IsCompletedSuccessfully)
        {
            var outcome = pending.Result;
            Report(call, circuit, context, outcome);
            return new ValueTask<Outcome<TResult>>(outcome);
        }

        return AwaitAsync(pending, call, circuit, context);
    }

    private async ValueTask<Outcome<TResult>> AwaitAsync<TResult>(ValueTask<Outcome<TResult>> pending, CircuitBreakerCall call, Fluxgate.CircuitBreaker circuit, ResilienceContext context)
    {
        Outcome<TResult> outcome;
        try
        {
            outcome = await pending.ConfigureAwait(context.ContinueOnCapturedContext);
        }
#pragma warning disable CA1031 // As above: a faulted callback task becomes the execution's outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            outcome = Outcome.FromException<TResult>(exception);
        }

        Report(call, circuit, context, outcome);
        return outcome;
    }

    /// <summary>Reports the outcome to the breaker, and to Polly's telemetry the transition it caused, if any.</summary>
    private void Report<TResult>(CircuitBreakerCall call, Fluxgate.CircuitBreaker circuit, ResilienceContext context, Outcome<TResult> outcome)
    {
        var entered = outcome.Exception is { } exception
            ? call.Fail(exception, context.CancellationToken)
            : ResultKind<TResult>.IsVoid ? call.Complete() : call.Complete(outcome.Result);

        if (entered is { } state)
        {
            var args = new FluxgateStateChangedArguments(context, circuit.Name, call.State, state);
            try
            {
                telemetry.Report(state == CircuitState.Open ? Opened : Closed, context, outcome, args);
            }
#pragma warning disable CA1031 // As in ReportSafely.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    /// <summary>
    /// Reports to Polly's telemetry; a listener that throws must neither replace the execution's outcome nor leave a call
    /// unreported (a held probe slot), so its exception is dropped, as Fluxgate drops its own listeners' exceptions.
    /// </summary>
    private void ReportSafely<TArgs>(ResilienceEvent resilienceEvent, ResilienceContext context, TArgs args)
    {
        try
        {
            telemetry.Report(resilienceEvent, context, args);
        }
#pragma warning disable CA1031 // See the summary.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private bool TrySelect(ResilienceContext context, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Fluxgate.CircuitBreaker? circuit, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out Exception? failure)
    {
        try
        {
            circuit = selector!(context);
        }
#pragma warning disable CA1031 // The selector is the user's code: its exception becomes this execution's outcome.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            circuit = null;
            failure = exception;
            return false;
        }

        failure = circuit is null ? new InvalidOperationException("FluxgateStrategyOptions.BreakerSelector returned null; it must return the breaker for the execution.") : null;
        return circuit is not null;
    }

    /// <summary>Whether <typeparamref name="TResult"/> is Polly's stand-in for "no result" (executions of actions), which a result tracker must not see.</summary>
    private static class ResultKind<TResult>
    {
        public static readonly bool IsVoid = typeof(TResult) == VoidResultType.Value;
    }

    /// <summary>
    /// Polly's internal type for the result of an action, learned once from Polly itself: an action executed through a probe
    /// strategy shows the result type Polly gives it. A comparison of types, not of names, that holds if the type moves.
    /// </summary>
    private static class VoidResultType
    {
        public static readonly Type Value = Learn();

        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode", Justification = "Polly validates the options with data annotations; the probe's options have no members to keep.")]
        private static Type Learn()
        {
            var probe = new ResultTypeProbe();
            new ResiliencePipelineBuilder().AddStrategy(_ => probe, new ProbeOptions()).Build().Execute(static () => { });
            return probe.ResultType!;
        }

        private sealed class ProbeOptions : ResilienceStrategyOptions;

        private sealed class ResultTypeProbe : ResilienceStrategy
        {
            public Type? ResultType { get; private set; }

            protected override ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
            {
                ResultType = typeof(TResult);
                return callback(context, state);
            }
        }
    }
}
