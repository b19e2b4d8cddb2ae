namespace Fluxgate;

/// <summary>Decides which calls a half-open circuit lets through as probes.</summary>
/// <remarks>
/// Asked once per call while half-open, before the <see cref="CircuitBreakerOptions.MaxHalfOpenCalls"/>
/// limit. To write a custom permit, override <see cref="Admit(TimeSpan)"/>; it is called concurrently and
/// must be thread-safe.
/// </remarks>
public abstract class Permit
{
    /// <summary>Initializes a permit.</summary>
    protected Permit()
    {
    }

    /// <summary>Returns whether this call may run as a probe.</summary>
    /// <param name="elapsedSinceHalfOpen">Time since the circuit entered half-open.</param>
    /// <returns><see langword="true"/> to run the call.</returns>
    public abstract bool Admit(TimeSpan elapsedSinceHalfOpen);

    /// <summary>Admit every call (up to <see cref="CircuitBreakerOptions.MaxHalfOpenCalls"/> at once).</summary>
    /// <returns>The permit.</returns>
    public static Permit All() => AllPermit.Instance;

    /// <summary>Admit each call with probability <paramref name="ratio"/>.</summary>
    /// <param name="ratio">The share of calls to admit, in [0, 1].</param>
    /// <param name="random">The source of randomness; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The permit.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ratio"/> is not in [0, 1].</exception>
    public static Permit Random(double ratio, Random? random = null)
    {
        if (!(ratio >= 0 && ratio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "Must be between 0 and 1.");
        }

        return new RampUpPermit(ratio, ratio, TimeSpan.MaxValue, random);
    }

    /// <summary>Admit each call with a probability that grows linearly from <paramref name="initial"/> to <paramref name="final"/> over <paramref name="duration"/>, then stays at <paramref name="final"/>.</summary>
    /// <param name="initial">The probability on entering half-open, in (0, 1].</param>
    /// <param name="final">The probability reached after <paramref name="duration"/>, in [<paramref name="initial"/>, 1].</param>
    /// <param name="duration">The length of the ramp; &gt; 0.</param>
    /// <param name="random">The source of randomness; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The permit.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of its range.</exception>
    public static Permit RampUp(double initial, double final, TimeSpan duration, Random? random = null)
    {
        if (!(initial > 0 && initial <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(initial), initial, "Must be greater than 0 and at most 1.");
        }

        if (!(final >= initial && final <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(final), final, $"Must be between initial ({initial}) and 1.");
        }

        if (duration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "Must be greater than zero.");
        }

        return new RampUpPermit(initial, final, duration, random);
    }

    /// <summary>The probability with which RampUp admits a call <paramref name="elapsed"/> after entering half-open.</summary>
    internal static double RampUpProbability(double initial, double final, TimeSpan duration, TimeSpan elapsed)
    {
        // Past the duration, progress exceeds 1 and the Min holds the probability at final.
        var progress = Math.Max(elapsed.Ticks, 0) / (double)duration.Ticks;
        return Math.Min(initial + ((final - initial) * progress), final);
    }

    private sealed class AllPermit : Permit
    {
        public static readonly AllPermit Instance = new();

        public override bool Admit(TimeSpan elapsedSinceHalfOpen) => true;

        public override string ToString() => "All()";
    }

    private sealed class RampUpPermit(double initial, double final, TimeSpan duration, Random? random) : Permit
    {
        private readonly SafeRandom _random = new(random);

        public override bool Admit(TimeSpan elapsedSinceHalfOpen)
        {
            var probability = RampUpProbability(initial, final, duration, elapsedSinceHalfOpen);

            // Certain outcomes consume no randomness, so a seeded sequence is spent only on real draws.
            return probability >= 1 || (probability > 0 && _random.NextDouble() < probability);
        }

        public override string ToString() => initial == final && duration == TimeSpan.MaxValue
            ? $"Random({ExpressionSyntax.Number(initial)})"
            : $"RampUp({ExpressionSyntax.Number(initial)}, {ExpressionSyntax.Number(final)}, {ExpressionSyntax.Duration(duration)})";
    }
}
