namespace Fluxgate;

/// <summary>Decides which exceptions count as failures; the others pass through unrecorded.</summary>
/// <remarks>
/// Trackers combine with <c>&amp;</c> (both), <c>|</c> (either) and <c>~</c> or <c>!</c> (not):
/// <c>TypeOf&lt;HttpRequestException&gt;() | TypeOf&lt;TimeoutException&gt;()</c>.
/// To write a custom tracker, override <see cref="IsFailure(Exception)"/>. It is called for every exception a protected
/// call throws, on the caller's thread and outside the breaker's lock, so it must be thread-safe and quick. A tracker
/// that throws does not replace the call's exception: the call counts as a failure and the fault is reported as a
/// <see cref="CircuitBreakerFailure"/>.
/// </remarks>
public abstract class Tracker
{
    /// <summary>Initializes a tracker.</summary>
    protected Tracker()
    {
    }

    /// <summary>Returns the tracker as an expression: the form <c>Parse</c> reads for the built-in ones, e.g. <c>TypeOf(System.TimeoutException)</c>; the type's name for a custom one that does not override it.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => GetType().Name;

    /// <summary>Returns whether <paramref name="exception"/> counts as a failure.</summary>
    /// <param name="exception">The exception the protected call threw.</param>
    /// <returns><see langword="true"/> to record a failure; <see langword="false"/> to record nothing.</returns>
    public abstract bool IsFailure(Exception exception);

    /// <summary>
    /// Reads a tracker written as its factories: <c>All()</c> or <c>TypeOf(type, …)</c> with full type names, combined with
    /// <c>&amp;</c>, <c>|</c>, <c>~</c> (or <c>!</c>) and parentheses, e.g. <c>TypeOf(System.Net.Http.HttpRequestException) | TypeOf(System.TimeoutException)</c>.
    /// </summary>
    /// <param name="expression">The expression.</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> is <see langword="null"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid tracker; the exception says where, what was expected and what was found.</exception>
    /// <remarks>
    /// Type names are resolved without loading assemblies a configuration names: <see cref="Type.GetType(string)"/>, then the
    /// assemblies already loaded, then the framework assembly named by the namespace (<c>System.Net.Http</c> for
    /// <c>System.Net.Http.HttpRequestException</c>). Assembly-qualified and generic names are not accepted, and each type must
    /// derive from <see cref="Exception"/>. <see cref="Custom"/> trackers print as <c>Custom(...)</c> and cannot be read back.
    /// A trimmed or Native AOT application names its exception types with <see cref="Parse(string, IReadOnlyCollection{Type})"/>.
    /// </remarks>
    public static Tracker Parse(string expression) => ExpressionParser.Parse(expression, Grammar.Trackers);

    /// <summary>Reads a tracker as <see cref="Parse(string)"/> does, finding the exception types in <paramref name="exceptionTypes"/> first, by full name.</summary>
    /// <param name="expression">The expression.</param>
    /// <param name="exceptionTypes">Exception types the expression may name; they are found without reflection, which a trimmed or Native AOT application needs (reflection may not find a type the trimmer kept without its name).</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="expression"/> or <paramref name="exceptionTypes"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A type of <paramref name="exceptionTypes"/> is <see langword="null"/> or does not derive from <see cref="Exception"/>.</exception>
    /// <exception cref="ExpressionException">The expression is not a valid tracker; the exception says where, what was expected and what was found.</exception>
    public static Tracker Parse(string expression, IReadOnlyCollection<Type> exceptionTypes)
    {
        ArgumentNullException.ThrowIfNull(exceptionTypes);
        foreach (var type in exceptionTypes)
        {
            if (type is null || !typeof(Exception).IsAssignableFrom(type))
            {
                throw new ArgumentException($"Every type must derive from System.Exception; found {(type is null ? "null" : type.FullName)}.", nameof(exceptionTypes));
            }
        }

        return ExpressionParser.Parse(expression, Grammar.Trackers, knownTypes: exceptionTypes);
    }

    /// <summary>A tracker that counts every exception as a failure.</summary>
    /// <returns>The tracker.</returns>
    public static Tracker All() => AllTracker.Instance;

    /// <summary>A tracker that counts exceptions of type <typeparamref name="TException"/> (or derived) as failures.</summary>
    /// <typeparam name="TException">The exception type.</typeparam>
    /// <returns>The tracker.</returns>
    public static Tracker TypeOf<TException>()
        where TException : Exception => TypeOfTracker<TException>.Instance;

    /// <summary>A tracker that counts exceptions of any of <paramref name="types"/> (or derived) as failures.</summary>
    /// <param name="types">One or more exception types.</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="types"/> or one of its elements is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="types"/> is empty or names a type that is not an <see cref="Exception"/>.</exception>
    public static Tracker TypeOf(params Type[] types)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (types.Length == 0)
        {
            throw new ArgumentException("At least one exception type is required.", nameof(types));
        }

        foreach (var type in types)
        {
            if (type is null)
            {
                throw new ArgumentNullException(nameof(types), "Exception types cannot be null.");
            }

            if (!typeof(Exception).IsAssignableFrom(type))
            {
                throw new ArgumentException($"'{type.FullName}' is not an exception type; every type must derive from System.Exception.", nameof(types));
            }
        }

        return new TypesTracker([.. types.Distinct()]);
    }

    /// <summary>A tracker that asks <paramref name="predicate"/>.</summary>
    /// <param name="predicate">Returns <see langword="true"/> for a failure; must be thread-safe. If it throws, the exception is counted as a failure.</param>
    /// <returns>The tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="predicate"/> is <see langword="null"/>.</exception>
    public static Tracker Custom(Func<Exception, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new CustomTracker(predicate);
    }

    /// <summary>A tracker that counts an exception when both trackers do.</summary>
    /// <param name="left">The first tracker.</param>
    /// <param name="right">The second tracker.</param>
    /// <returns>The combined tracker.</returns>
    public static Tracker operator &(Tracker left, Tracker right) => new AndTracker(NotNull(left), NotNull(right));

    /// <summary>A tracker that counts an exception when either tracker does.</summary>
    /// <param name="left">The first tracker.</param>
    /// <param name="right">The second tracker.</param>
    /// <returns>The combined tracker.</returns>
    public static Tracker operator |(Tracker left, Tracker right) => new OrTracker(NotNull(left), NotNull(right));

    /// <summary>A tracker that counts an exception when <paramref name="tracker"/> does not.</summary>
    /// <param name="tracker">The tracker to negate.</param>
    /// <returns>The negated tracker.</returns>
    public static Tracker operator ~(Tracker tracker) => new NotTracker(NotNull(tracker));

    /// <summary>A tracker that counts an exception when <paramref name="tracker"/> does not; the same as <c>~</c>.</summary>
    /// <param name="tracker">The tracker to negate.</param>
    /// <returns>The negated tracker.</returns>
    public static Tracker operator !(Tracker tracker) => new NotTracker(NotNull(tracker));

    /// <summary>Returns a tracker that counts an exception when both trackers do; the method form of <c>&amp;</c>.</summary>
    /// <param name="other">The second tracker.</param>
    /// <returns>The combined tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public Tracker And(Tracker other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this & other;
    }

    /// <summary>Returns a tracker that counts an exception when either tracker does; the method form of <c>|</c>.</summary>
    /// <param name="other">The second tracker.</param>
    /// <returns>The combined tracker.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="other"/> is <see langword="null"/>.</exception>
    public Tracker Or(Tracker other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this | other;
    }

    /// <summary>Returns a tracker that counts an exception when this one does not; the method form of <c>~</c> and <c>!</c>.</summary>
    /// <returns>The negated tracker.</returns>
    public Tracker Not() => ~this;

    private static Tracker NotNull(Tracker tracker, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(tracker))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tracker, name);
        return tracker;
    }

    private sealed class AllTracker : Tracker
    {
        public static readonly AllTracker Instance = new();

        public override bool IsFailure(Exception exception) => true;

        public override string ToString() => Grammar.AllTracker.Print();
    }

    private sealed class TypeOfTracker<TException> : Tracker
        where TException : Exception
    {
        public static readonly TypeOfTracker<TException> Instance = new();

        public override bool IsFailure(Exception exception) => exception is TException;

        public override string ToString() => Grammar.TypeOf.Print(typeof(TException));
    }

    private sealed class TypesTracker(Type[] types) : Tracker
    {
        public override bool IsFailure(Exception exception)
        {
            foreach (var type in types)
            {
                if (type.IsInstanceOfType(exception))
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString() => Grammar.TypeOf.Print((object)types);
    }

    private sealed class CustomTracker(Func<Exception, bool> predicate) : Tracker
    {
        public override bool IsFailure(Exception exception) => predicate(exception);

        public override string ToString() => Grammar.Custom;
    }

    private sealed class AndTracker(Tracker left, Tracker right) : Tracker, Syntax.IAndCombination
    {
        public override bool IsFailure(Exception exception) => left.IsFailure(exception) && right.IsFailure(exception);

        public override string ToString() => $"{Syntax.Operand(left)} & {Syntax.Operand(right)}";
    }

    private sealed class OrTracker(Tracker left, Tracker right) : Tracker, Syntax.IOrCombination
    {
        public override bool IsFailure(Exception exception) => left.IsFailure(exception) || right.IsFailure(exception);

        public override string ToString() => $"{left} | {right}";
    }

    private sealed class NotTracker(Tracker inner) : Tracker
    {
        public override bool IsFailure(Exception exception) => !inner.IsFailure(exception);

        public override string ToString() => $"~{Syntax.Operand(inner, underNot: true)}";
    }
}
