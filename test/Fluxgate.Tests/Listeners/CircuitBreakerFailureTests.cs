namespace Fluxgate.Tests.Listeners;

/// <summary>What a failure report says: each operation's consequence, and one line that names the part, the exception and the signal.</summary>
public class CircuitBreakerFailureTests
{
    public static TheoryData<string, string> Operations => new()
    {
        { ComponentOperations.TrackerIsFailure, "the exception was counted as a failure" },
        { ComponentOperations.ResultTrackerIsFailure, "the result was counted as a failure" },
        { ComponentOperations.TripperEvaluate, "the tripper's answer was taken as false (no transition)" },
        { ComponentOperations.TripperSlowThreshold, "the slow count read as 0" },
        { ComponentOperations.RetryGetWaitDuration, "the circuit will let a probe through on the next call" },
        { ComponentOperations.PermitAdmit, "the call was not admitted as a probe" },
        { ComponentOperations.WindowRecord, "the outcome may be missing from the window" },
        { ComponentOperations.WindowReset, "the window may keep outcomes of the previous state" },
        { ComponentOperations.WindowGetMetric, "the tripper was not asked (no transition)" },
        { ComponentOperations.CallComplete, "the probe slots were given to new calls" },
        { ComponentOperations.ListenerOnStateChanged, "delivery moved on to the next listener and signal" },
        { ComponentOperations.ListenerOnStateChangedAsync, "delivery moved on to the next listener and signal" },
        { ComponentOperations.MeterRecord, "the measurement may be missing" },
        { "Something.Else", "the breaker carried on" },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public void Consequence_OfEachOperation_SaysWhatTheBreakerDidInstead(string operation, string consequence) =>
        Assert.StartsWith(consequence, new CircuitBreakerFailure("payments", new object(), operation, new InvalidOperationException()).Consequence, StringComparison.Ordinal);

    [Fact]
    public void ToString_OfAListenersFailure_NamesThePartTheExceptionAndTheSignal()
    {
        var signal = new Signal("payments", CircuitState.Closed, CircuitState.Open, DateTimeOffset.UnixEpoch, TransitionCause.Tripper, 1, default);

        var failure = new CircuitBreakerFailure("payments", new Uri("https://example.com"), ComponentOperations.ListenerOnStateChanged, new TimeoutException(), signal);

        Assert.Equal("payments: Listener.OnStateChanged of Uri threw TimeoutException on closed → open; delivery moved on to the next listener and signal", failure.ToString());
    }
}
