using CsCheck;
using Fluxgate.Tests.Support;
using Xunit.Abstractions;

namespace Fluxgate.Tests.Model;

/// <summary>
/// Random programs of operations run against the real breaker and <see cref="ReferenceModel"/>; state,
/// reopens, streak, every metric, every admission decision and the listener's stream must agree after
/// each step. Programs include calls that stay in flight and finish late (or are cancelled by their caller), calls
/// begun with BeginCall and reported late, abandoned or left until their probe lease runs out, trips by a coordinator,
/// time jumps from milliseconds to days, manual control and reconfiguration. The run is a fixed seeded sequence
/// (see <see cref="PropertyRun"/>); a failure is shrunk to a minimal program and printed with its seed.
/// </summary>
public class ModelBasedTests(ITestOutputHelper output)
{
    /// <summary>Programs per run; override with CsCheck_Iter.</summary>
    private const long Programs = 10_000;

    internal enum OpKind
    {
        Success,
        Failure,
        Untracked,
        Begin,
        End,
        Advance,
        Reset,
        Disable,
        MetricsOnly,
        ForceOpen,
        Reconfigure,
        BeginCall,
        Abandon,
        Trip,
    }

    internal readonly record struct Op(OpKind Kind, int Millis, int Pick, Outcome EndAs)
    {
        public override string ToString() => Kind switch
        {
            OpKind.Success or OpKind.Failure => $"{Kind}({Millis}ms)",
            OpKind.Advance => $"Advance({TimeSpan.FromMilliseconds(Millis)})",
            OpKind.End => $"End(#{Pick}, {EndAs})",
            OpKind.Abandon => $"Abandon(#{Pick})",
            _ => Kind.ToString(),
        };
    }

    internal static readonly Gen<ModelConfig> ConfigGen =
        from tripper in Gen.Int[0, ModelConfig.TripperCount - 1]
        from useTime in Gen.Bool
        from count in Gen.Int[1, 12]
        from seconds in Gen.Int[1, 20]
        from never in Gen.Int[0, 9]
        from initial in Gen.Int[1, 30]
        from multiplier in Gen.OneOfConst(1.5, 2.0, 3.0)
        from maxFactor in Gen.Int[1, 8]
        from jitter in Gen.OneOfConst(0.0, 0.0, 0.25)
        from rampInitial in Gen.OneOfConst(0.1, 0.5, 1.0)
        from rampSeconds in Gen.Int[1, 60]
        from maxHalfOpen in Gen.Int[1, 3]
        from timing in Gen.Int[0, 2]
        from seed in Gen.Int
        select new ModelConfig(
            tripper,
            count,
            useTime ? seconds : 0,
            never == 0,
            TimeSpan.FromSeconds(initial),
            multiplier,
            TimeSpan.FromSeconds(initial * maxFactor),
            jitter,
            rampInitial,
            1.0,
            TimeSpan.FromSeconds(rampSeconds),
            maxHalfOpen,
            seed,
            MeasureDurations: timing != 0 || ModelConfig.ReadsDurations(tripper));

    internal static readonly Gen<Op> OpGen = Gen.Frequency(
        (30, Gen.Int[0, 250].Select(ms => new Op(OpKind.Success, ms, 0, Outcome.Success))),
        (30, Gen.Int[0, 250].Select(ms => new Op(OpKind.Failure, ms, 0, Outcome.Failure))),
        (6, Gen.Const(new Op(OpKind.Untracked, 0, 0, Outcome.Untracked))),
        (8, Gen.Const(new Op(OpKind.Begin, 0, 0, Outcome.Success))),
        (8, Gen.Select(Gen.Int[0, 7], Gen.Enum<Outcome>(), (pick, outcome) => new Op(OpKind.End, 0, pick, outcome))),
        (20, Gen.Int[0, 20_000].Select(ms => new Op(OpKind.Advance, ms, 0, Outcome.Success))),
        (2, Gen.Int[1, 48].Select(hours => new Op(OpKind.Advance, hours * 3_600_000, 0, Outcome.Success))),
        (1, Gen.Const(new Op(OpKind.Reconfigure, 0, 0, Outcome.Success))),
        (2, Gen.Const(new Op(OpKind.Reset, 0, 0, Outcome.Success))),
        (1, Gen.Const(new Op(OpKind.Disable, 0, 0, Outcome.Success))),
        (1, Gen.Const(new Op(OpKind.MetricsOnly, 0, 0, Outcome.Success))),
        (1, Gen.Const(new Op(OpKind.ForceOpen, 0, 0, Outcome.Success))),
        (6, Gen.Const(new Op(OpKind.BeginCall, 0, 0, Outcome.Success))),
        (2, Gen.Int[0, 7].Select(pick => new Op(OpKind.Abandon, 0, pick, Outcome.Success))),
        (2, Gen.Const(new Op(OpKind.Trip, 0, 0, Outcome.Success))));

    internal static readonly Gen<(ModelConfig Config, Op[] Ops)> ProgramGen = Gen.Select(ConfigGen, OpGen.Array[1, 60]);

    [Fact]
    public void RandomPrograms_RealBreakerAgreesWithTheReferenceModelAfterEveryStep()
    {
        var checkedPrograms = PropertyRun.Check(
            ProgramGen,
            program => Run(program.Config, program.Ops),
            Programs,
            p => $"{p.Config}\n  program: {string.Join(", ", p.Ops)}",
            output.WriteLine);

        Assert.True(checkedPrograms >= Programs || Environment.GetEnvironmentVariable("CsCheck_Seed") is not null);
    }

    [Fact]
    public void Model_RejectsAProgramThatTheRealBreakerWouldFail_SoTheComparisonCanFail()
    {
        // Guard against a comparison that cannot fail: a model that disagrees by one reopen must be caught.
        var config = new ModelConfig(0, 5, 0, false, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(8), 0, 1, 1, TimeSpan.FromSeconds(1), 1, 1);
        Op[] program = [new(OpKind.Failure, 0, 0, Outcome.Failure), new(OpKind.Failure, 0, 0, Outcome.Failure), new(OpKind.Failure, 0, 0, Outcome.Failure), new(OpKind.Advance, 1000, 0, Outcome.Success), new(OpKind.Failure, 0, 0, Outcome.Failure)];

        Assert.ThrowsAny<Exception>(() => Run(config, program, sabotage: model => model.Transition(CircuitState.Open)));
    }

    internal static void Run(ModelConfig config, Op[] ops, Action<ReferenceModel>? sabotage = null)
    {
        var clock = TestKit.NewClock();
        var listener = new RecordingListener();
        var options = config.ToOptions(clock);
        options.Listeners.Add(listener);
        var breaker = new CircuitBreaker(options);
        var model = new ReferenceModel(config, clock.GetTimestamp);
        var pending = new List<(TaskCompletionSource<int> Gate, CancellationTokenSource Caller, ValueTask<int> Call, ReferenceModel.Ticket Ticket)>();
        var begun = new List<(CircuitBreakerCall Call, ReferenceModel.Ticket Ticket)>();

        for (var step = 0; step < ops.Length; step++)
        {
            var op = ops[step];
            switch (op.Kind)
            {
                case OpKind.Success or OpKind.Failure or OpKind.Untracked:
                {
                    var ticket = model.Admit();
                    var outcome = op.Kind switch { OpKind.Success => Outcome.Success, OpKind.Failure => Outcome.Failure, _ => Outcome.Untracked };
                    var ran = false;
                    try
                    {
                        breaker.Execute(() =>
                        {
                            ran = true;
                            clock.Advance(TimeSpan.FromMilliseconds(op.Millis));
                            return outcome switch
                            {
                                Outcome.Failure => throw new TrackedException(),
                                Outcome.Untracked => throw new UntrackedException(),
                                _ => 0,
                            };
                        });
                    }
                    catch (CallNotPermittedException)
                    {
                    }
                    catch (TrackedException)
                    {
                    }
                    catch (UntrackedException)
                    {
                    }

                    Check(ticket is not null, ran, "admitted", step, op);
                    if (ticket is { } admitted)
                    {
                        model.Complete(admitted, outcome);
                    }

                    break;
                }

                case OpKind.Begin:
                {
                    var ticket = model.Admit();
                    var gate = new TaskCompletionSource<int>();
                    var caller = new CancellationTokenSource();
                    var call = breaker.ExecuteAsync(_ => new ValueTask<int>(gate.Task), caller.Token);
                    var rejected = call.IsFaulted;
                    Check(ticket is not null, !rejected, "admitted (in flight)", step, op);
                    if (ticket is { } admitted)
                    {
                        pending.Add((gate, caller, call, admitted));
                    }
                    else
                    {
                        _ = call.AsTask().Exception;
                        caller.Dispose();
                    }

                    break;
                }

                case OpKind.BeginCall:
                {
                    var ticket = model.Admit(leased: true);
                    var call = breaker.BeginCall();
                    Check(ticket is not null, call.IsPermitted, "admitted (BeginCall)", step, op);
                    Check(model.EnteredHalfOpen, call.EnteredHalfOpen, "entered half-open (BeginCall)", step, op);
                    if (ticket is { } admitted)
                    {
                        begun.Add((call, admitted));
                    }

                    break;
                }

                case OpKind.Abandon:
                {
                    if (begun.Count == 0)
                    {
                        break;
                    }

                    var (call, ticket) = begun[op.Pick % begun.Count];
                    begun.RemoveAt(op.Pick % begun.Count);
                    call.Abandon();
                    model.Release(ticket);
                    break;
                }

                case OpKind.End:
                {
                    // Ends a call begun with BeginCall or one in flight through ExecuteAsync, picked among both.
                    if (pending.Count + begun.Count == 0)
                    {
                        break;
                    }

                    var pick = op.Pick % (pending.Count + begun.Count);
                    if (pick >= pending.Count)
                    {
                        var (call, begunTicket) = begun[pick - pending.Count];
                        begun.RemoveAt(pick - pending.Count);
                        var (periodBefore, stateBefore) = (model.Period, model.State);
                        using var cancelled = new CancellationTokenSource();
                        cancelled.Cancel();
                        var entered = op.EndAs switch
                        {
                            Outcome.Success => call.Complete(1),
                            Outcome.Failure => call.Fail(new TrackedException()),
                            Outcome.Cancelled => call.Fail(new OperationCanceledException(cancelled.Token), cancelled.Token),
                            _ => call.Fail(new UntrackedException()),
                        };
                        model.Complete(begunTicket, op.EndAs);
                        Check(model.Period != periodBefore ? model.State : (CircuitState?)null, entered, $"state entered by the outcome (from {stateBefore})", step, op);
                        break;
                    }

                    var (gate, caller, pendingCall, ticket) = pending[pick];
                    pending.RemoveAt(pick);
                    switch (op.EndAs)
                    {
                        case Outcome.Success:
                            gate.SetResult(1);
                            break;
                        case Outcome.Failure:
                            gate.SetException(new TrackedException());
                            break;
                        case Outcome.Cancelled:
                            caller.Cancel();
                            gate.SetException(new OperationCanceledException(caller.Token));
                            break;
                        default:
                            gate.SetException(new UntrackedException());
                            break;
                    }

                    try
                    {
                        pendingCall.AsTask().GetAwaiter().GetResult();
                    }
                    catch (Exception e) when (e is TrackedException or UntrackedException or OperationCanceledException)
                    {
                    }

                    caller.Dispose();

                    model.Complete(ticket, op.EndAs);
                    break;
                }

                case OpKind.Trip:
                    Check(model.Trip(), breaker.Trip(), "tripped", step, op);
                    break;
                case OpKind.Advance:
                    clock.Advance(TimeSpan.FromMilliseconds(op.Millis));
                    break;
                case OpKind.Reset:
                    breaker.Reset();
                    model.Transition(CircuitState.Closed);
                    break;
                case OpKind.Disable:
                    breaker.Disable();
                    model.Transition(CircuitState.Disabled);
                    break;
                case OpKind.MetricsOnly:
                    breaker.MetricsOnly();
                    model.Transition(CircuitState.MetricsOnly);
                    break;
                case OpKind.ForceOpen:
                    breaker.ForceOpen();
                    model.Transition(CircuitState.ForcedOpen);
                    break;
                case OpKind.Reconfigure:
                    breaker.Reconfigure(config.ToOptions(clock));
                    model.Reconfigure();
                    break;
            }

            if (step == ops.Length - 1)
            {
                sabotage?.Invoke(model);
            }

            var info = breaker.GetInfo();
            var expected = model.Metrics();
            Check(model.State, info.State, "state", step, op);
            Check(model.Reopens, info.Reopens, "reopens", step, op);
            Check(model.ConsecutiveFailures, info.ConsecutiveFailures, "consecutive failures", step, op);
            Check(expected.Total, info.Metrics.TotalCount, "total count", step, op);
            Check(expected.Failures, info.Metrics.FailureCount, "failure count", step, op);
            Check(expected.DurationTicks, info.Metrics.TotalDuration.Ticks, "total duration", step, op);
            Check(config.MeasureDurations, info.Metrics.DurationsMeasured, "durations measured", step, op);
            Check(config.MeasureDurations && expected.Total > 0 ? new TimeSpan(expected.DurationTicks / expected.Total) : (TimeSpan?)null, info.Metrics.AvgDuration, "average duration", step, op);
            Check(config.TripperIndex == 1 ? expected.Slow : 0, info.Metrics.SlowCount(ModelConfig.SlowThreshold), "slow count", step, op);
            Check(model.Transitions.Count, listener.Signals.Count, "signals delivered", step, op);
            Check(model.Cause, info.Cause, "cause", step, op);
            Check((long)model.Transitions.Count, info.Sequence, "sequence", step, op);
        }

        Assert.Equal(model.Transitions, listener.Transitions);
        Assert.Equal(model.Causes, listener.Signals.Select(s => s.Cause));
        Assert.Equal(Enumerable.Range(1, model.Transitions.Count).Select(i => (long)i), listener.Signals.Select(s => s.Sequence));
        foreach (var (gate, caller, call, _) in pending)
        {
            gate.SetResult(0);
            call.AsTask().GetAwaiter().GetResult();
            caller.Dispose();
        }

        foreach (var (call, _) in begun)
        {
            call.Abandon();
        }
    }

    private static void Check<T>(T expected, T actual, string what, int step, Op op)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvalidOperationException($"Step {step} ({op}): {what} is {actual}, the model says {expected}.");
        }
    }
}
