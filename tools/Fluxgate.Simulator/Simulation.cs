using Microsoft.Extensions.Time.Testing;

namespace Fluxgate.Simulator;

/// <summary>
/// Runs each policy's real <see cref="CircuitBreaker"/> on a virtual clock against the same traffic and the same
/// dependency answers (every call's draws are made once, up front, so policies differ only by what they admit).
/// Events (arrivals and completions) are processed in time order; an hour of traffic takes a fraction of a second.
/// </summary>
internal static class Simulation
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static SimulationResult Run(Scenario scenario)
    {
        // Without a SynchronizationContext the breaker's continuations run inline when a call completes; with one
        // (a UI, a test framework) they would be posted. Either way each outcome is awaited below before time moves on.
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return RunWithoutContext(scenario);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private static SimulationResult RunWithoutContext(Scenario scenario)
    {
        var plan = Plan(scenario);
        var rows = (int)Math.Ceiling(scenario.Duration.Ticks / (double)scenario.Resolution.Ticks);
        var dependency = DescribeDependency(scenario, plan, rows);
        var runs = scenario.Policies.Select((policy, index) => RunPolicy(scenario, plan, rows, policy, index)).ToList();
        return new SimulationResult(scenario, dependency, runs);
    }

    /// <summary>The calls: arrival times, and for each the draws that decide whether it fails and how long it takes.</summary>
    internal static List<CallPlan> Plan(Scenario scenario)
    {
        var random = new Random(scenario.Seed);
        var calls = new List<CallPlan>();
        var uniform = scenario.Traffic.Arrivals == "uniform";
        var at = uniform ? TimeSpan.Zero : Gap(random, scenario.Traffic.RateAt(TimeSpan.Zero));
        while (at < scenario.Duration)
        {
            calls.Add(new CallPlan(at, random.NextDouble(), StandardNormal(random)));
            var rate = scenario.Traffic.RateAt(at);
            at += uniform ? TimeSpan.FromTicks((long)Math.Round(TimeSpan.TicksPerSecond / rate)) : Gap(random, rate);
        }

        return calls;
    }

    private static TimeSpan Gap(Random random, double rate) => TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(-Math.Log(1 - random.NextDouble()) / rate * TimeSpan.TicksPerSecond)));

    /// <summary>Box–Muller: a standard normal draw from two uniform ones.</summary>
    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static DependencyRow[] DescribeDependency(Scenario scenario, List<CallPlan> plan, int rows)
    {
        var result = new DependencyRow[rows];
        var offered = new int[rows];
        foreach (var call in plan)
        {
            offered[Row(scenario, call.Arrival)]++;
        }

        for (var i = 0; i < rows; i++)
        {
            var at = scenario.Resolution * i;
            result[i] = new DependencyRow(at, offered[i], scenario.Dependency.FailureRateAt(at), scenario.Dependency.LatencyAt(at).Median, scenario.Dependency.IsIncident(at));
        }

        return result;
    }

    private static int Row(Scenario scenario, TimeSpan at) => (int)Math.Min(at.Ticks / scenario.Resolution.Ticks, (scenario.Duration.Ticks - 1) / scenario.Resolution.Ticks);

    private static PolicyRun RunPolicy(Scenario scenario, List<CallPlan> plan, int rowCount, PolicySpec policy, int index)
    {
        var clock = new FakeTimeProvider(Epoch);
        var transitions = new List<Transition>();
        var breaker = new CircuitBreaker(Options(scenario, policy, index, clock, transitions));
        var slowThreshold = FirstSlowThreshold(policy, index);
        var rows = new RowBuilder[rowCount];
        for (var i = 0; i < rowCount; i++)
        {
            rows[i] = new RowBuilder();
        }

        var completions = new PriorityQueue<Completion, (long, long)>();
        long sequence = 0;
        var sampled = 0;
        var tally = new Tally();

        void SampleUntil(TimeSpan time)
        {
            // Close every row that ends at or before `time`: read the breaker as it stands at the row's end.
            while (sampled < rowCount && scenario.Resolution * (sampled + 1) <= time)
            {
                clock.SetUtcNow(Epoch + (scenario.Resolution * (sampled + 1)));
                var info = breaker.GetInfo();
                rows[sampled].Close(info, slowThreshold);
                sampled++;
            }
        }

        void Complete(Completion completion)
        {
            SampleUntil(completion.At);
            clock.SetUtcNow(Epoch + completion.At);
            if (completion.Fails)
            {
                completion.Gate.SetException(completion.TimedOut ? new TimeoutException("the caller's timeout") : new DependencyException());
            }
            else
            {
                completion.Gate.SetResult(1);
            }

            // The breaker records the outcome in the call's continuation: make sure it has run before time moves on.
            var outcome = completion.Call.AsTask();
            if (!outcome.IsCompleted)
            {
                ((IAsyncResult)outcome).AsyncWaitHandle.WaitOne();
            }

            if (completion.At < scenario.Duration)
            {
                var row = rows[Row(scenario, completion.At)];
                if (completion.Fails)
                {
                    row.Failed++;
                }
                else
                {
                    row.Succeeded++;
                }
            }

            tally.Completed(completion, scenario);
            _ = outcome.Exception;
        }

        foreach (var call in plan)
        {
            while (completions.TryPeek(out var next, out _) && next.At <= call.Arrival)
            {
                Complete(completions.Dequeue());
            }

            SampleUntil(call.Arrival);
            clock.SetUtcNow(Epoch + call.Arrival);
            var row = rows[Row(scenario, call.Arrival)];
            var gate = new TaskCompletionSource<int>();
            var execution = breaker.ExecuteAsync(static (g, _) => new ValueTask<int>(g.Task), gate);
            if (execution.IsFaulted)
            {
                _ = execution.AsTask().Exception;
                row.Rejected++;
                tally.Rejected(call, scenario);
                continue;
            }

            row.Admitted++;
            tally.Admitted++;
            var (fails, timedOut, duration) = Answer(scenario, call);
            completions.Enqueue(new Completion(call.Arrival + duration, call.Arrival, fails, timedOut, gate, execution), ((call.Arrival + duration).Ticks, sequence++));
        }

        while (completions.TryDequeue(out var completion, out _))
        {
            Complete(completion);
        }

        SampleUntil(scenario.Duration + scenario.Resolution);
        var summary = Summarize(scenario, transitions, tally, plan.Count);
        return new PolicyRun(policy, [.. rows.Select(r => r.Build())], transitions, summary, slowThreshold);
    }

    /// <summary>What the dependency does with a call that starts at its arrival: fail or not, and after how long.</summary>
    internal static (bool Fails, bool TimedOut, TimeSpan Duration) Answer(Scenario scenario, CallPlan call)
    {
        var dependency = scenario.Dependency;
        var latency = dependency.LatencyAt(call.Arrival).Sample(call.LatencyDraw);
        if (dependency.Timeout is { } timeout && latency > timeout)
        {
            return (true, true, timeout);
        }

        return (call.FailureDraw < dependency.FailureRateAt(call.Arrival), false, latency);
    }

    internal static CircuitBreakerOptions Options(Scenario scenario, PolicySpec policy, int index, TimeProvider clock, List<Transition> transitions)
    {
        var path = $"policies[{index}]";
        T Parse<T>(string key, Func<string, T> parse, string value)
        {
            try
            {
                return parse(value);
            }
            catch (ExpressionException exception)
            {
                throw new ScenarioException($"{path}.{key} (policy '{policy.Name}'): {exception.Message} The value is \"{value}\".", exception);
            }
        }

        // Seeded per policy: the same scenario always draws the same jitter and the same probes.
        var seed = unchecked((scenario.Seed * 7919) + index);
        return new CircuitBreakerOptions
        {
            Name = policy.Name,
            Window = Parse("window", Window.Parse, policy.Window),
            Tracker = Parse("tracker", Tracker.Parse, policy.Tracker),
            Tripper = Parse("tripper", Tripper.Parse, policy.Tripper),
            Retry = Parse("retry", e => Retry.Parse(e, new Random(seed)), policy.Retry),
            Permit = Parse("permit", e => Permit.Parse(e, new Random(seed + 1)), policy.Permit),
            MaxHalfOpenCalls = policy.MaxHalfOpenCalls,
            TimeProvider = clock,
            Listeners = { new TransitionRecorder(transitions) },
        };
    }

    private static TimeSpan? FirstSlowThreshold(PolicySpec policy, int index)
    {
        try
        {
            return Tripper.Parse(policy.Tripper).GetSlowThresholds() is [var first, ..] ? first : null;
        }
        catch (ExpressionException exception)
        {
            throw new ScenarioException($"policies[{index}].tripper (policy '{policy.Name}'): {exception.Message}", exception);
        }
    }

    private static Summary Summarize(Scenario scenario, List<Transition> transitions, Tally tally, int calls)
    {
        var incidents = scenario.Dependency.Phases.Where(p => p.Incident).OrderBy(p => p.From).ToList();
        TimeSpan? recover = null;

        // Each incident is judged on its own: a breaker that opened only in the second one did not detect the first.
        var detections = incidents.Select((incident, i) =>
        {
            var opened = transitions.FirstOrDefault(t => t.To == CircuitState.Open && t.At >= incident.From && t.At < incident.To);
            return new IncidentDetection(i + 1, incident.From, incident.To, opened is null ? null : opened.At - incident.From);
        }).ToList();

        if (incidents.Count > 0)
        {
            var end = incidents.Max(p => p.To);
            var stateAtEnd = StateAt(transitions, end);
            if (stateAtEnd == CircuitState.Closed)
            {
                recover = TimeSpan.Zero;
            }
            else if (transitions.FirstOrDefault(t => t.At >= end && t.To == CircuitState.Closed) is { } closed)
            {
                recover = closed.At - end;
            }
        }

        return new Summary(
            detections,
            recover,
            tally.LostWhileHealthy,
            tally.FailedDuringIncident,
            calls,
            tally.Admitted,
            tally.RejectedCount,
            tally.Failed,
            tally.Succeeded,
            transitions.Count);
    }

    private static CircuitState StateAt(List<Transition> transitions, TimeSpan at) =>
        transitions.LastOrDefault(t => t.At <= at)?.To ?? CircuitState.Closed;

    private sealed class TransitionRecorder(List<Transition> transitions) : ICircuitBreakerListener
    {
        public void OnStateChanged(Signal signal) => transitions.Add(new Transition(signal.Timestamp - Epoch, signal.OldState, signal.NewState, signal.Cause));
    }

    private sealed record Completion(TimeSpan At, TimeSpan Arrival, bool Fails, bool TimedOut, TaskCompletionSource<int> Gate, ValueTask<int> Call);

    private sealed class RowBuilder
    {
        private CircuitBreakerInfo _info;
        private TimeSpan? _slowThreshold;

        public int Admitted { get; set; }

        public int Rejected { get; set; }

        public int Failed { get; set; }

        public int Succeeded { get; set; }

        public void Close(CircuitBreakerInfo info, TimeSpan? slowThreshold)
        {
            _info = info;
            _slowThreshold = slowThreshold;
        }

        public PolicyRow Build() => new(
            _info.State,
            Admitted,
            Rejected,
            Failed,
            Succeeded,
            _info.Metrics.FailureRate,
            _slowThreshold is { } t ? _info.Metrics.SlowRate(t) : null,
            _info.Metrics.AvgDuration);
    }

    private sealed class Tally
    {
        public int Admitted { get; set; }

        public int RejectedCount { get; private set; }

        public int LostWhileHealthy { get; private set; }

        public int Failed { get; private set; }

        public int Succeeded { get; private set; }

        public int FailedDuringIncident { get; private set; }

        public void Rejected(CallPlan call, Scenario scenario)
        {
            RejectedCount++;
            if (!scenario.Dependency.IsIncident(call.Arrival))
            {
                LostWhileHealthy++;
            }
        }

        public void Completed(Completion completion, Scenario scenario)
        {
            if (!completion.Fails)
            {
                Succeeded++;
                return;
            }

            Failed++;
            if (scenario.Dependency.IsIncident(completion.Arrival))
            {
                FailedDuringIncident++;
            }
        }
    }
}

/// <summary>The exception a failing dependency throws in the simulation.</summary>
internal sealed class DependencyException() : Exception("the dependency failed");

internal readonly record struct CallPlan(TimeSpan Arrival, double FailureDraw, double LatencyDraw);

/// <summary>What the dependency was like in one row: offered calls, true failure rate and median latency, and whether an incident was on.</summary>
internal readonly record struct DependencyRow(TimeSpan At, int Offered, double FailureRate, TimeSpan MedianLatency, bool Incident);

/// <summary>One policy in one row: its state at the row's end, the calls it admitted and rejected, those that failed and succeeded, and what its window saw.</summary>
internal readonly record struct PolicyRow(CircuitState State, int Admitted, int Rejected, int Failed, int Succeeded, double? FailureRate, double? SlowRate, TimeSpan? AvgDuration);

internal sealed record Transition(TimeSpan At, CircuitState From, CircuitState To, TransitionCause Cause = TransitionCause.None);

/// <summary>Whether a breaker detected one incident: it opened between the incident's start and end.</summary>
/// <param name="Number">The incident's number, from 1, in time order.</param>
/// <param name="From">When the incident started.</param>
/// <param name="To">When it ended.</param>
/// <param name="TimeToDetect">From the incident's start to the breaker opening during it; null if it did not open during it.</param>
internal sealed record IncidentDetection(int Number, TimeSpan From, TimeSpan To, TimeSpan? TimeToDetect)
{
    public bool Detected => TimeToDetect is not null;
}

/// <summary>The figures that compare policies.</summary>
/// <param name="Detections">For each incident phase of the scenario, in time order, whether and how fast the breaker opened during it.</param>
/// <param name="TimeToRecovery">From the last incident's end to the breaker being closed again; null if it never closed.</param>
/// <param name="LostWhileHealthy">Calls rejected while the dependency was healthy (no incident).</param>
/// <param name="FailedDuringIncident">Calls let through during incidents that failed.</param>
internal sealed record Summary(IReadOnlyList<IncidentDetection> Detections, TimeSpan? TimeToRecovery, int LostWhileHealthy, int FailedDuringIncident, int Calls, int Admitted, int Rejected, int Failed, int Succeeded, int Transitions)
{
    public int Incidents => Detections.Count;

    public int Detected => Detections.Count(d => d.Detected);

    public double Availability => Calls == 0 ? 1 : (double)Succeeded / Calls;
}

internal sealed record PolicyRun(PolicySpec Policy, IReadOnlyList<PolicyRow> Rows, IReadOnlyList<Transition> Transitions, Summary Summary, TimeSpan? SlowThreshold);

internal sealed record SimulationResult(Scenario Scenario, IReadOnlyList<DependencyRow> Dependency, IReadOnlyList<PolicyRun> Runs);
