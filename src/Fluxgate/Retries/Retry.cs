namespace Fluxgate;

/// <summary>Decides how long an open circuit waits before it lets a probe through (moves to half-open).</summary>
/// <remarks>
/// The breaker asks once per open period, when the circuit opens, and compares the answer with the time
/// elapsed since then on the next calls; there is no timer. To write a custom retry, override
/// <see cref="GetWaitDuration(int)"/>; it must be thread-safe.
/// </remarks>
public abstract class Retry
{
    /// <summary>The default cap of <see cref="Backoff"/>: 300 seconds.</summary>
    public static readonly TimeSpan DefaultMaxBackoff = TimeSpan.FromSeconds(300);

    /// <summary>Initializes a retry.</summary>
    protected Retry()
    {
    }

    /// <summary>Returns how long the circuit stays open before the next call may probe.</summary>
    /// <param name="reopens">How many times the circuit has reopened from half-open since it was last closed (0 the first time it opens).</param>
    /// <returns>The wait (zero or more), or <see cref="Timeout.InfiniteTimeSpan"/> for never.</returns>
    public abstract TimeSpan GetWaitDuration(int reopens);

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
        CheckPositive(duration);
        CheckJitter(jitterRatio);
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
        CheckPositive(initial);
        if (!(multiplier > 1) || double.IsInfinity(multiplier))
        {
            throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "Must be a finite number greater than 1.");
        }

        var max = maxDuration ?? TimeSpan.FromTicks(Math.Max(initial.Ticks, DefaultMaxBackoff.Ticks));
        if (max < initial)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDuration), max, $"Must be at least initial ({initial}).");
        }

        CheckJitter(jitterRatio);
        return new BackoffRetry(initial, multiplier, max, jitterRatio, random);
    }

    private static void CheckPositive(TimeSpan duration, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(duration))] string? name = null)
    {
        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, duration, "Must be greater than zero.");
        }
    }

    private static void CheckJitter(double jitterRatio)
    {
        if (!(jitterRatio >= 0 && jitterRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitterRatio), jitterRatio, "Must be at least 0 and less than 1.");
        }
    }

    private sealed class ConstantRetry(TimeSpan wait, string text) : Retry
    {
        public static readonly ConstantRetry AlwaysInstance = new(TimeSpan.Zero, "Always()");
        public static readonly ConstantRetry NeverInstance = new(Timeout.InfiniteTimeSpan, "Never()");

        public override TimeSpan GetWaitDuration(int reopens) => wait;

        public override string ToString() => text;
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

            return new TimeSpan((long)Math.Min(ticks, TimeSpan.MaxValue.Ticks));
        }

        public override string ToString()
        {
            var jitter = jitterRatio > 0 ? ", " + ExpressionSyntax.Number(jitterRatio) : string.Empty;
            return multiplier == 1
                ? $"Cooldown({ExpressionSyntax.Duration(initial)}{jitter})"
                : $"Backoff({ExpressionSyntax.Duration(initial)}, {ExpressionSyntax.Number(multiplier)}, {ExpressionSyntax.Duration(max)}{jitter})";
        }
    }
}
