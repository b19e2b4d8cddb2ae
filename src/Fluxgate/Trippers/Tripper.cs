namespace Fluxgate;

/// <summary>Decides, after every recorded outcome, whether the circuit should be open.</summary>
/// <remarks>
/// <para>
/// In <see cref="CircuitState.Closed"/>, <see langword="true"/> opens the circuit. In
/// <see cref="CircuitState.HalfOpen"/>, a success with <see langword="false"/> closes it and a failure
/// with <see langword="true"/> reopens it. Trippers combine with <c>&amp;</c>, <c>|</c> and <c>~</c> (or <c>!</c>):
/// <c>MinRequests(20) &amp; ((Closed() &amp; FailureRate(0.6)) | (HalfOpened() &amp; FailureRate(0.5)))</c>.
/// </para>
/// <para>
/// To write a custom tripper, override <see cref="Evaluate(CallContext)"/>. It runs after every recorded outcome under
/// the breaker's lock, one call at a time: it must be quick, must not block, and must not call the breaker (reading
/// <see cref="CallContext"/> is all it needs). A composite passes its children to the <see cref="Tripper(Tripper[])"/>
/// constructor (or overrides <see cref="GetChildren"/>) so the window counts the slow calls of every
/// <see cref="SlowRate(double, TimeSpan)"/> in the tree; one that hides them reads 0 slow calls, and the breaker reports
/// that as a <see cref="CircuitBreakerFailure"/> the first time it happens. A tripper that throws is reported the same way and
/// its answer taken as <see langword="false"/> (no transition); the caller still gets the call's own result.
/// </para>
/// </remarks>
public abstract class Tripper
{
    // The children GetChildren returns by default, and the SlowRate thresholds of the tree, found once.
    private readonly Tripper[] _children = [];
    private long[]? _slowThresholdTicks;

    /// <summary>Initializes a tripper.</summary>
    protected Tripper()
    {
    }

    /// <summary>Initializes a tripper made of other trippers: <see cref="GetChildren"/> returns them, so the breaker finds every <c>SlowRate</c> threshold in the tree.</summary>
    /// <param name="children">The trippers this one combines.</param>
    /// <exception cref="ArgumentNullException"><paramref name="children"/> or one of its elements is <see langword="null"/>.</exception>
    /// <remarks>Write a composite tripper with this constructor (<c>class Either(Tripper a, Tripper b) : Tripper(a, b)</c>): one that hides its children reads 0 slow calls for their thresholds, which the breaker reports as a component failure.</remarks>
    protected Tripper(params Tripper[] children)
    {
        ArgumentNullException.ThrowIfNull(children);
        foreach (var child in children)
        {
            ArgumentNullException.ThrowIfNull(child, nameof(children));
        }

        _children = [.. children];
    }

    /// <summary>Returns the tripper as an expression: the form <c>Parse</c> reads for the built-in ones, e.g. <c>MinRequests(20) &amp; FailureRate(0.5)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Returns whether the circuit should be open.</summary>
    /// <param name="context">The metrics, state and failure streak after the call was recorded.</param>
    /// <returns><see langword="true"/> when the circuit should be open.</returns>
    public abstract bool Evaluate(CallContext context);

    /// <summary>Returns the trippers this one is made of, so the breaker can find every <c>SlowRate</c> threshold.</summary>
    /// <returns>The direct children: those given to the constructor, none by default.</returns>
    /// <remarks>The breaker asks once, when it is created; a tripper's children must not change afterwards.</remarks>
    protected virtual IEnumerable<Tripper> GetChildren() => _children;

    /// <summary>
    /// Reads a tripper written as its factories, combined with <c>&amp;</c>, <c>|</c>, <c>~</c> (or <c>!</c>) and parentheses,
    /// <c>&amp;</c> binding tighter than <c>|</c>: e.g. <c>MinRequests(20) &amp; ((Closed() &amp; FailureRate(0.6)) | (HalfOpened() &amp; FailureRate(0.5)))</c>,
    /// the form the built-in trippers' <see cref="object.ToString"/> writes.
    /// </summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid tripper; the exception says where, what was expected and what was found.</exception>
    /// <remarks>
    /// Calls take positional or named arguments (<c>Backoff(initial: 10s, multiplier: 3)</c>), named as the C# parameters.
    /// Numbers are written as in C# (<c>0.5</c>, <c>20</c>); durations need a unit: <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>
    /// (<c>500ms</c>, <c>1.5s</c>). Names are case-sensitive, as in C#. Expressions longer than 4,096 characters or nested
    /// deeper than 32 levels are rejected.
    /// </remarks>
    public static Tripper Parse(string expression) => ExpressionParser.Parse(expression, Grammar.Trippers);

    /// <summary>True while the breaker decides in <see cref="CircuitState.Closed"/>.</summary>
    /// <returns>The tripper.</returns>
    public static Tripper Closed() => StateTripper.ClosedInstance;

    /// <summary>True while the breaker decides in <see cref="CircuitState.HalfOpen"/>.</summary>
    /// <returns>The tripper.</returns>
    public static Tripper HalfOpened() => StateTripper.HalfOpenInstance;

    /// <summary>True when the window holds at least <paramref name="count"/> calls.</summary>
    /// <param name="count">The minimum number of calls; ≥ 1.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static Tripper MinRequests(int count)
    {
        Rules.AtLeastOne(count, nameof(count))?.Throw();
        return new MinRequestsTripper(count);
    }

    /// <summary>True when the window's failure rate is ≥ <paramref name="ratio"/>; false on an empty window.</summary>
    /// <param name="ratio">The threshold, in (0, 1].</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ratio"/> is not in (0, 1].</exception>
    public static Tripper FailureRate(double ratio)
    {
        Rules.Ratio(ratio, nameof(ratio))?.Throw();
        return new FailureRateTripper(ratio);
    }

    /// <summary>True when the window's average duration is ≥ <paramref name="threshold"/>; false on an empty window.</summary>
    /// <param name="threshold">The latency threshold; &gt; 0.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> is not positive.</exception>
    public static Tripper AvgLatency(TimeSpan threshold)
    {
        Rules.Positive(threshold, nameof(threshold))?.Throw();
        return new AvgLatencyTripper(threshold);
    }

    /// <summary>True when the share of calls lasting ≥ <paramref name="threshold"/> is ≥ <paramref name="ratio"/>; false on an empty window.</summary>
    /// <param name="ratio">The threshold share of slow calls, in (0, 1].</param>
    /// <param name="threshold">How long a call must last to be slow; &gt; 0.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ratio"/> is not in (0, 1] or <paramref name="threshold"/> is not positive.</exception>
    public static Tripper SlowRate(double ratio, TimeSpan threshold)
    {
        Rules.Ratio(ratio, nameof(ratio))?.Throw();
        Rules.Positive(threshold, nameof(threshold))?.Throw();
        return new SlowRateTripper(ratio, threshold);
    }

    /// <summary>True after at least <paramref name="count"/> consecutive tracked failures.</summary>
    /// <param name="count">The streak length; ≥ 1.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is less than 1.</exception>
    public static Tripper FailureStreak(int count)
    {
        Rules.AtLeastOne(count, nameof(count))?.Throw();
        return new FailureStreakTripper(count);
    }

    /// <summary>True when both trippers are.</summary>
    /// <param name="left">The first tripper.</param>
    /// <param name="right">The second tripper.</param>
    /// <returns>The combined tripper.</returns>
    public static Tripper operator &(Tripper left, Tripper right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new AndTripper(left, right);
    }

    /// <summary>True when either tripper is.</summary>
    /// <param name="left">The first tripper.</param>
    /// <param name="right">The second tripper.</param>
    /// <returns>The combined tripper.</returns>
    public static Tripper operator |(Tripper left, Tripper right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new OrTripper(left, right);
    }

    /// <summary>True when <paramref name="tripper"/> is not; e.g. <c>HalfOpened() &amp; (~MinRequests(20) | FailureRate(0.2))</c> keeps probing until 20 probes have run.</summary>
    /// <param name="tripper">The tripper to negate.</param>
    /// <returns>The negated tripper.</returns>
    public static Tripper operator ~(Tripper tripper)
    {
        ArgumentNullException.ThrowIfNull(tripper);
        return new NotTripper(tripper);
    }

    /// <summary>True when <paramref name="tripper"/> is not; the same as <c>~</c>.</summary>
    /// <param name="tripper">The tripper to negate.</param>
    /// <returns>The negated tripper.</returns>
    public static Tripper operator !(Tripper tripper) => ~tripper;

    /// <summary>Returns a tripper that is true when this one is not; the method form of <c>~</c> and <c>!</c>.</summary>
    /// <returns>The negated tripper.</returns>
    public Tripper Not() => ~this;

    /// <summary>Returns a tripper that is true when both are; the method form of <c>&amp;</c>.</summary>
    /// <param name="other">The second tripper.</param>
    /// <returns>The combined tripper.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public Tripper And(Tripper other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this & other;
    }

    /// <summary>Returns a tripper that is true when either is; the method form of <c>|</c>.</summary>
    /// <param name="other">The second tripper.</param>
    /// <returns>The combined tripper.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public Tripper Or(Tripper other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this | other;
    }

    /// <summary>Returns the distinct thresholds of the <c>SlowRate</c> trippers in this tree, ascending: those a breaker's window counts slow calls at.</summary>
    /// <returns>The thresholds; empty when the tree has no <c>SlowRate</c>.</returns>
    public IReadOnlyList<TimeSpan> GetSlowThresholds() => [.. SlowThresholdTicks().Select(static t => new TimeSpan(t))];

    /// <summary>Returns whether a tripper in this tree decides on call durations, so it needs a breaker that measures them (<see cref="CircuitBreakerOptions.MeasureDurations"/>).</summary>
    /// <returns><see langword="true"/> when a node says <see cref="DecidesOnDurations"/>: an <c>AvgLatency</c>, a <c>SlowRate</c>, or a custom tripper that overrides it.</returns>
    /// <remarks>Walked on each call (a breaker asks when its parts are made, not per call).</remarks>
    public bool ReadsDurations() => Walk(this).Any(static node => node.DecidesOnDurations);

    /// <summary>
    /// Gets whether this tripper itself (its children aside) decides on call durations: <see langword="true"/> for
    /// <c>AvgLatency</c> and <c>SlowRate</c>. Override it to return <see langword="true"/> in a custom tripper that reads
    /// <see cref="Metric.AvgDuration"/>, <see cref="Metric.TotalDuration"/> or slow counts, so that a breaker that does not
    /// time its calls refuses it rather than give it no durations.
    /// </summary>
    protected virtual bool DecidesOnDurations => false;

    /// <summary>The distinct <c>SlowRate</c> thresholds of the tree, in ticks, ascending; walked once per tripper and kept (many breakers share a policy).</summary>
    internal long[] SlowThresholdTicks() => _slowThresholdTicks ??= CollectSlowThresholds(this);

    private static long[] CollectSlowThresholds(Tripper root)
    {
        List<long>? found = null;
        foreach (var node in Walk(root))
        {
            if (node is SlowRateTripper slow)
            {
                (found ??= []).Add(slow.Threshold.Ticks);
            }
        }

        if (found is null)
        {
            return [];
        }

        found.Sort();
        return [.. found.Distinct()];
    }

    /// <summary>Every node of the tree once, the root first.</summary>
    private static IEnumerable<Tripper> Walk(Tripper root)
    {
        // Iterative walk with a visited set: a user-written GetChildren may share nodes or even form a cycle.
        var visited = new HashSet<Tripper>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<Tripper>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (!visited.Add(node))
            {
                continue;
            }

            yield return node;
            foreach (var child in node.GetChildren() ?? [])
            {
                if (child is not null)
                {
                    pending.Push(child);
                }
            }
        }
    }

    private sealed class StateTripper(CircuitState state) : Tripper
    {
        public static readonly StateTripper ClosedInstance = new(CircuitState.Closed);
        public static readonly StateTripper HalfOpenInstance = new(CircuitState.HalfOpen);

        public override bool Evaluate(CallContext context) => context.State == state;

        public override string ToString() => (state == CircuitState.Closed ? Grammar.Closed : Grammar.HalfOpened).Print();
    }

    private sealed class MinRequestsTripper(int count) : Tripper
    {
        public override bool Evaluate(CallContext context) => context.Metric.TotalCount >= count;

        public override string ToString() => Grammar.MinRequests.Print(count);
    }

    private sealed class FailureRateTripper(double ratio) : Tripper
    {
        // FailureRate is null on an empty window, and a lifted comparison with null is false.
        public override bool Evaluate(CallContext context) => context.Metric.FailureRate >= ratio;

        public override string ToString() => Grammar.FailureRate.Print(ratio);
    }

    private sealed class AvgLatencyTripper(TimeSpan threshold) : Tripper
    {
        protected override bool DecidesOnDurations => true;

        public override bool Evaluate(CallContext context) => context.Metric.AvgDuration >= threshold;

        public override string ToString() => Grammar.AvgLatency.Print(threshold);
    }

    private sealed class SlowRateTripper(double ratio, TimeSpan threshold) : Tripper
    {
        protected override bool DecidesOnDurations => true;

        public TimeSpan Threshold => threshold;

        public override bool Evaluate(CallContext context) => context.Metric.SlowRate(threshold) >= ratio;

        public override string ToString() => Grammar.SlowRate.Print(ratio, threshold);
    }

    private sealed class FailureStreakTripper(int count) : Tripper
    {
        public override bool Evaluate(CallContext context) => context.ConsecutiveFailures >= count;

        public override string ToString() => Grammar.FailureStreak.Print(count);
    }

    private sealed class AndTripper(Tripper left, Tripper right) : Tripper(left, right), Syntax.IAndCombination
    {
        public override bool Evaluate(CallContext context) => left.Evaluate(context) && right.Evaluate(context);

        public override string ToString() => $"{Syntax.Operand(left)} & {Syntax.Operand(right)}";
    }

    private sealed class NotTripper(Tripper inner) : Tripper(inner)
    {
        public override bool Evaluate(CallContext context) => !inner.Evaluate(context);

        public override string ToString() => $"~{Syntax.Operand(inner, underNot: true)}";
    }

    private sealed class OrTripper(Tripper left, Tripper right) : Tripper(left, right), Syntax.IOrCombination
    {
        public override bool Evaluate(CallContext context) => left.Evaluate(context) || right.Evaluate(context);

        public override string ToString() => $"{left} | {right}";
    }
}
