namespace Fluxgate;

/// <summary>Decides which calls a half-open circuit lets through as probes.</summary>
/// <remarks>
/// Asked once per call while half-open, before the <see cref="CircuitBreakerOptions.MaxHalfOpenCalls"/>
/// limit. To write a custom permit, override <see cref="Admit(TimeSpan)"/>. It is called concurrently, outside the
/// breaker's lock, and must be thread-safe and quick. A permit that throws is reported as a <see cref="CircuitBreakerFailure"/>
/// and the call is not admitted: in doubt, the recovering dependency is protected.
/// </remarks>
public abstract class Permit
{
    /// <summary>Initializes a permit.</summary>
    protected Permit()
    {
    }

    /// <summary>Returns the permit as an expression: the form <c>Parse</c> reads for the built-in ones, e.g. <c>RampUp(0.1, 1, 1m)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Returns whether this call may run as a probe.</summary>
    /// <param name="elapsedSinceHalfOpen">Time since the circuit entered half-open.</param>
    /// <returns><see langword="true"/> to run the call.</returns>
    public abstract bool Admit(TimeSpan elapsedSinceHalfOpen);

    /// <summary>Reads a permit written as its factory: <c>All()</c>, <c>Random(0.5)</c> or <c>RampUp(0.1, 1, 1m)</c>, the form the built-in permits' <see cref="object.ToString"/> writes.</summary>
    /// <param name="expression">The expression.</param>
    /// <param name="random">The source of randomness; <see cref="Random.Shared"/> when <see langword="null"/>. A seeded instance makes runs reproducible.</param>
    /// <returns>The permit.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid permit; the exception says where, what was expected and what was found.</exception>
    /// <remarks>
    /// Calls take positional or named arguments (<c>Backoff(initial: 10s, multiplier: 3)</c>), named as the C# parameters.
    /// Numbers are written as in C# (<c>0.5</c>, <c>20</c>); durations need a unit: <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c>
    /// (<c>500ms</c>, <c>1.5s</c>). Names are case-sensitive, as in C#. Expressions longer than 4,096 characters or nested
    /// deeper than 32 levels are rejected.
    /// </remarks>
    public static Permit Parse(string expression, Random? random = null) => ExpressionParser.Parse(expression, Grammar.Permits, random);

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
        Rules.Probability(ratio, nameof(ratio))?.Throw();

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
        Rules.Ratio(initial, nameof(initial))?.Throw();
        if (!(final >= initial && final <= 1))
        {
            new ArgumentRejection(nameof(final), final, $"between initial ({Syntax.Number(initial)}) and 1").Throw();
        }

        Rules.Positive(duration, nameof(duration))?.Throw();

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

        public override string ToString() => Grammar.AllPermit.Print();
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
            ? Grammar.Random.Print(initial)
            : Grammar.RampUp.Print(initial, final, duration);
    }
}
