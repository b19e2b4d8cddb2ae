namespace Fluxgate.Configuration;

/// <summary>
/// Reads components written as their C# factories: <c>Count(100)</c>, <c>TypeOf(System.TimeoutException) | TypeOf(System.Net.Http.HttpRequestException)</c>,
/// <c>MinRequests(20) &amp; ((Closed() &amp; FailureRate(0.6)) | (HalfOpened() &amp; FailureRate(0.5)))</c>,
/// <c>Backoff(10s, 2.0, 300s, 0.1)</c>, <c>RampUp(0.1, 0.5, 60s)</c>. Used by configuration binding and the policy simulator.
/// </summary>
/// <remarks>
/// <para>
/// Grammar: calls <c>Name(arg, …)</c> with positional or named (<c>initial: 10s</c>) arguments; trackers and trippers
/// combine with <c>&amp;</c>, <c>|</c>, <c>~</c> or <c>!</c> and parentheses, <c>&amp;</c> binding tighter than <c>|</c>.
/// Arguments are numbers (<c>0.5</c>, <c>20</c>), durations with a unit (<c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>) and,
/// for <c>TypeOf</c>, full names of exception types. Names are case-sensitive, as in C#.
/// </para>
/// <para>
/// Type names are resolved without loading assemblies named by configuration: <see cref="Type.GetType(string)"/>,
/// then the assemblies already loaded, then the framework assembly named by the type's namespace
/// (<c>System.Net.Http</c> for <c>System.Net.Http.HttpRequestException</c>). Assembly-qualified names are not
/// accepted, and a type must derive from <see cref="Exception"/>.
/// </para>
/// <para>Every error is an <see cref="ExpressionException"/> giving the position, what was expected and what was found.
/// Expressions longer than <see cref="MaxLength"/> characters or nested deeper than <see cref="MaxDepth"/> levels are rejected,
/// so no input can exhaust the stack.</para>
/// </remarks>
public static class ComponentExpression
{
    /// <summary>The longest expression accepted: 4,096 characters.</summary>
    public const int MaxLength = 4_096;

    /// <summary>The deepest nesting of parentheses and negations accepted: 32 levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>Reads a window: <c>Count(size)</c> or <c>Time(size)</c>, e.g. <c>Count(100)</c>, <c>Time(60s)</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>A new window.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid window.</exception>
    public static Window ParseWindow(string expression) => Parse(expression, Grammar.Windows(), combine: false);

    /// <summary>Reads a tracker: <c>All()</c>, <c>TypeOf(type, …)</c>, combined with <c>&amp;</c>, <c>|</c>, <c>~</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid tracker.</exception>
    public static Tracker ParseTracker(string expression) => Parse(expression, Grammar.Trackers(), combine: true);

    /// <summary>Reads a tripper: <c>Closed()</c>, <c>HalfOpened()</c>, <c>MinRequests(count)</c>, <c>FailureRate(ratio)</c>, <c>AvgLatency(threshold)</c>, <c>SlowRate(ratio, threshold)</c>, <c>FailureStreak(count)</c>, combined with <c>&amp;</c>, <c>|</c>, <c>~</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The tripper.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid tripper.</exception>
    public static Tripper ParseTripper(string expression) => Parse(expression, Grammar.Trippers(), combine: true);

    /// <summary>Reads a retry: <c>Always()</c>, <c>Never()</c>, <c>Cooldown(duration, jitterRatio)</c>, <c>Backoff(initial, multiplier, maxDuration, jitterRatio)</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <param name="random">The source of jitter; <see cref="Random.Shared"/> when <see langword="null"/>.</param>
    /// <returns>The retry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid retry.</exception>
    public static Retry ParseRetry(string expression, Random? random = null) => Parse(expression, Grammar.Retries(random), combine: false);

    /// <summary>Reads a permit: <c>All()</c>, <c>Random(ratio)</c>, <c>RampUp(initial, final, duration)</c>.</summary>
    /// <param name="expression">The expression.</param>
    /// <param name="random">The source of randomness; <see cref="Random.Shared"/> when <see langword="null"/>.</param>
    /// <returns>The permit.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid permit.</exception>
    public static Permit ParsePermit(string expression, Random? random = null) => Parse(expression, Grammar.Permits(random), combine: false);

    private static T Parse<T>(string expression, Grammar.Kind<T> kind, bool combine)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (expression.Length > MaxLength)
        {
            // Bounds the tree (and the recursion evaluating it) whatever a configuration holds.
            throw new ExpressionException(expression, MaxLength + 1, $"an expression of at most {MaxLength:N0} characters", $"{expression.Length:N0} characters");
        }

        var parser = new Parser<T>(expression, Tokenizer.Tokenize(expression), kind, combine);
        return parser.ParseAll();
    }
}
