namespace Fluxgate;

/// <summary>Decides how long an open circuit waits before it lets a probe through (moves to half-open).</summary>
/// <remarks>
/// The breaker asks once per open period, when the circuit opens, and compares the answer with the time
/// elapsed since then on the next calls; there is no timer. To write a custom retry, override
/// <see cref="GetWaitDuration(int)"/>. It runs under the breaker's lock when the circuit opens: it must be quick and
/// thread-safe (one instance may serve many breakers). A negative wait means "now"; <see cref="Timeout.InfiniteTimeSpan"/>
/// means "never" (until a manual call). A retry that throws is reported as a <see cref="CircuitBreakerFailure"/> and the
/// circuit lets a probe through on the next call, so a faulty retry never keeps it open.
/// </remarks>
public abstract class Retry
{
    /// <summary>The default cap of <see cref="Backoff"/>: 300 seconds.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(300);

    /// <summary>Initializes a retry.</summary>
    protected Retry()
    {
    }

    /// <summary>Returns the retry as an expression: the form <c>Parse</c> reads for the built-in ones, e.g. <c>Cooldown(1m)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Returns how long the circuit stays open before the next call may probe.</summary>
    /// <param name="reopens">How many times the circuit has reopened from half-open since it was last closed (0 the first time it opens).</param>
    /// <returns>The wait (zero or more), or <see cref="Timeout.InfiniteTimeSpan"/> for never.</returns>
    public abstract TimeSpan GetWaitDuration(int reopens);

    /// <summary>Reads a retry written as its factory: <c>Always()</c>, <c>Never()</c>, <c>Cooldown(60s)</c>, <c>Cooldown(60s, 0.1)</c> or <c>Backoff(10s, 2, 5m, 0.1)</c>, the form the built-in retries' <see cref="object.ToString"/> writes.</summary>
    /// <param name="expression">The expression.</param>
    /// <param name="random">The source of jitter; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The retry.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid retry; the exception says where, what was expected and what was found.</exception>
    /// <remarks>
    /// Calls take positional or named arguments (<c>Backoff(initial: 10s, multiplier: 3)</c>), named as the C# parameters.
    /// Numbers are written as in C# (<c>0.5</c>, <c>20</c>); durations need a unit: <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>
    /// (<c>500ms</c>, <c>1.5s</c>). Names are case-sensitive, as in C#. Expressions longer than 4,096 characters or nested
    /// deeper than 32 levels are rejected.
    /// </remarks>
    public static Retry Parse(string expression, Random? random = null) => ExpressionParser.Parse(expression, Grammar.Retries, random);

    /// <summary>Probe on the very next call after opening.</summary>
    /// <returns>The retry.</returns>
    public static Retry Always() => ConstantRetry.AlwaysInstance;

    /// <summary>Never probe: the circuit stays open until a manual call changes the state.</summary>
    /// <returns>The retry.</returns>
    public static Retry Never() => ConstantRetry.NeverInstance;

    /// <summary>Wait a fixed <paramref name="duration"/>, optionally spread by jitter.</summary>
    /// <param name="duration">The wait; &gt; 0.</param>
    /// <param name="jitterRatio">The wait is multiplied by (1 + u), u uniform in [−jitter, +jitter], drawn once per open period; in [0, 1).</param>
    /// <param name="random">The source of jitter; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The retry.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is not positive or <paramref name="jitterRatio"/> is not in [0, 1).</exception>
    public static Retry Cooldown(TimeSpan duration, double jitterRatio = 0, Random? random = null)
    {
        Rules.Positive(duration, nameof(duration))?.Throw();
        Rules.Jitter(jitterRatio, nameof(jitterRatio))?.Throw();
        return new BackoffRetry(duration, 1, duration, jitterRatio, random);
    }

    /// <summary>Wait <c>min(initial × multiplier^reopens, maxDuration)</c>, optionally spread by jitter.</summary>
    /// <param name="initial">The first wait; &gt; 0.</param>
    /// <param name="multiplier">The growth per reopen; &gt; 1.</param>
    /// <param name="maxDuration">The cap; ≥ <paramref name="initial"/>. When <see langword="null"/>, max(300 s, <paramref name="initial"/>).</param>
    /// <param name="jitterRatio">The wait is multiplied by (1 + u), u uniform in [−jitter, +jitter], drawn once per open period; in [0, 1).</param>
    /// <param name="random">The source of jitter; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The retry.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of its range.</exception>
    public static Retry Backoff(TimeSpan initial, double multiplier = 2.0, TimeSpan? maxDuration = null, double jitterRatio = 0, Random? random = null)
    {
        Rules.Positive(initial, nameof(initial))?.Throw();
        Rules.Multiplier(multiplier, nameof(multiplier))?.Throw();
        var max = maxDuration ?? TimeSpan.FromTicks(Math.Max(initial.Ticks, DefaultMaxBackoff.Ticks));
        if (max < initial)
        {
            new ArgumentRejection(nameof(maxDuration), max, $"at least initial ({Syntax.Duration(initial)})").Throw();
        }

        Rules.Jitter(jitterRatio, nameof(jitterRatio))?.Throw();
        return new BackoffRetry(initial, multiplier, max, jitterRatio, random);
    }

    private sealed class ConstantRetry(TimeSpan wait) : Retry
    {
        public static readonly ConstantRetry AlwaysInstance = new(TimeSpan.Zero);
        public static readonly ConstantRetry NeverInstance = new(Timeout.InfiniteTimeSpan);

        public override TimeSpan GetWaitDuration(int reopens) => wait;

        public override string ToString() => (wait == Timeout.InfiniteTimeSpan ? Grammar.Never : Grammar.Always).Print();
    }

    private sealed class BackoffRetry(TimeSpan initial, double multiplier, TimeSpan max, double jitterRatio, Random? random) : Retry
    {
        private readonly SafeRandom _random = new(random);

        public override TimeSpan GetWaitDuration(int reopens)
        {
            // Computed in double ticks so that large exponents saturate at the cap instead of overflowing.
            var ticks = Math.Min(initial.Ticks * Math.Pow(multiplier, Math.Max(reopens, 0)), max.Ticks);
            if (jitterRatio > 0)
            {
                ticks *= 1 + (((_random.NextDouble() * 2) - 1) * jitterRatio);
            }

            return new TimeSpan(Saturating.ToInt64(ticks));
        }

        public override string ToString()
        {
            object? jitter = jitterRatio > 0 ? jitterRatio : null;
            return multiplier == 1
                ? Grammar.Cooldown.Print(initial, jitter)
                : Grammar.Backoff.Print(initial, multiplier, max, jitter);
        }
    }
}
