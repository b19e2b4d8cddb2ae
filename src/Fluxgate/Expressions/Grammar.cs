namespace Fluxgate;

/// <summary>
/// The expression language's one table of names: every factory a part can be written with, its parameters in the C#
/// order, and how it is built. The reader (<see cref="ExpressionParser"/>) binds calls against it, and each built-in part
/// prints itself through the same entry (<see cref="Signature{T}.Print"/>), so what a part prints reads back.
/// </summary>
internal static class Grammar
{
    // Windows
    public static readonly Signature<Window> Count = new("Count", [new("size", ParamKind.Count)], static (a, _) => new CountWindow(a.Count(0)));
    public static readonly Signature<Window> Time = new("Time", [new("size", ParamKind.Duration)], static (a, _) => new TimeWindow(a.Duration(0)));

    // Trackers
    public static readonly Signature<Tracker> AllTracker = new("All", [], static (_, _) => Tracker.All());
    public static readonly Signature<Tracker> TypeOf = new("TypeOf", [new("types", ParamKind.ExceptionType, Variadic: true)], static (a, _) => Tracker.TypeOf(a.Types(0)));

    /// <summary>Printed by <see cref="Tracker.Custom"/> trackers; not readable (a predicate has no text).</summary>
    public const string Custom = "Custom(...)";

    // Trippers
    public static readonly Signature<Tripper> Closed = new("Closed", [], static (_, _) => Tripper.Closed());
    public static readonly Signature<Tripper> HalfOpened = new("HalfOpened", [], static (_, _) => Tripper.HalfOpened());
    public static readonly Signature<Tripper> MinRequests = new("MinRequests", [new("count", ParamKind.Count)], static (a, _) => Tripper.MinRequests(a.Count(0)));
    public static readonly Signature<Tripper> FailureRate = new("FailureRate", [new("ratio", ParamKind.Number)], static (a, _) => Tripper.FailureRate(a.Number(0)));
    public static readonly Signature<Tripper> AvgLatency = new("AvgLatency", [new("threshold", ParamKind.Duration)], static (a, _) => Tripper.AvgLatency(a.Duration(0)));
    public static readonly Signature<Tripper> SlowRate = new("SlowRate", [new("ratio", ParamKind.Number), new("threshold", ParamKind.Duration)], static (a, _) => Tripper.SlowRate(a.Number(0), a.Duration(1)));
    public static readonly Signature<Tripper> FailureStreak = new("FailureStreak", [new("count", ParamKind.Count)], static (a, _) => Tripper.FailureStreak(a.Count(0)));

    // Retries
    public static readonly Signature<Retry> Always = new("Always", [], static (_, _) => Retry.Always());
    public static readonly Signature<Retry> Never = new("Never", [], static (_, _) => Retry.Never());
    public static readonly Signature<Retry> Cooldown = new(
        "Cooldown",
        [new("duration", ParamKind.Duration), new("jitterRatio", ParamKind.Number, Optional: true)],
        static (a, random) => Retry.Cooldown(a.Duration(0), a.NumberOr(1, 0), random));

    public static readonly Signature<Retry> Backoff = new(
        "Backoff",
        [new("initial", ParamKind.Duration), new("multiplier", ParamKind.Number, Optional: true), new("maxDuration", ParamKind.Duration, Optional: true), new("jitterRatio", ParamKind.Number, Optional: true)],
        static (a, random) => Retry.Backoff(a.Duration(0), a.NumberOr(1, 2.0), a.DurationOrNull(2), a.NumberOr(3, 0), random));

    // Permits
    public static readonly Signature<Permit> AllPermit = new("All", [], static (_, _) => Permit.All());
    public static readonly Signature<Permit> Random = new("Random", [new("ratio", ParamKind.Number)], static (a, random) => Permit.Random(a.Number(0), random));
    public static readonly Signature<Permit> RampUp = new(
        "RampUp",
        [new("initial", ParamKind.Number), new("final", ParamKind.Number), new("duration", ParamKind.Duration)],
        static (a, random) => Permit.RampUp(a.Number(0), a.Number(1), a.Duration(2), random));

    public static readonly Kind<Window> Windows = new("a window", [Count, Time]);

    public static readonly Kind<Tracker> Trackers = new("a tracker", [AllTracker, TypeOf], static (l, r) => l & r, static (l, r) => l | r, static t => ~t);

    public static readonly Kind<Tripper> Trippers = new(
        "a tripper",
        [Closed, HalfOpened, MinRequests, FailureRate, AvgLatency, SlowRate, FailureStreak],
        static (l, r) => l & r,
        static (l, r) => l | r,
        static t => ~t);

    public static readonly Kind<Retry> Retries = new("a retry", [Always, Never, Cooldown, Backoff]);

    public static readonly Kind<Permit> Permits = new("a permit", [AllPermit, Random, RampUp]);
}

/// <summary>What an argument is written as: a whole number, a number, a duration with a unit, or exception type names.</summary>
internal enum ParamKind
{
    Count,
    Number,
    Duration,
    ExceptionType,
}

/// <summary>One parameter of a factory, named as in C# so named arguments read the same in both.</summary>
internal sealed record Param(string Name, ParamKind Kind, bool Optional = false, bool Variadic = false);

/// <summary>One factory of the language: its name, its parameters, and how to build the part.</summary>
internal sealed class Signature<T>(string name, Param[] parameters, Func<Arguments, Random?, T> create)
    where T : class
{
    public string Name => name;

    public Param[] Params => parameters;

    /// <summary>E.g. <c>SlowRate(ratio, threshold)</c>.</summary>
    public string Display => $"{name}({string.Join(", ", parameters.Select(p => p.Variadic ? p.Name + "…" : p.Name))})";

    public T Create(Arguments arguments, Random? random) => create(arguments, random);

    /// <summary>Writes a call of this factory with <paramref name="values"/>, one per parameter; trailing <see langword="null"/>s (optional, left out) are not written.</summary>
    public string Print(params object?[] values)
    {
        var count = values.Length;
        while (count > 0 && values[count - 1] is null)
        {
            count--;
        }

        var text = new System.Text.StringBuilder(name).Append('(');
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(values[i] switch
            {
                int count32 => Syntax.Count(count32),
                double number => Syntax.Number(number),
                TimeSpan duration => Syntax.Duration(duration),
                Type type => type.FullName ?? type.Name,
                var types => string.Join(", ", ((IEnumerable<Type>)types!).Select(t => t.FullName ?? t.Name)),
            });
        }

        return text.Append(')').ToString();
    }
}

/// <summary>One kind of part (windows, trackers, …): its factories, and its operators when it combines.</summary>
internal sealed class Kind<T>(string description, Signature<T>[] signatures, Func<T, T, T>? and = null, Func<T, T, T>? or = null, Func<T, T>? not = null)
    where T : class
{
    public Signature<T>[] Signatures => signatures;

    public bool Combines => and is not null;

    public Func<T, T, T>? And => and;

    public Func<T, T, T>? Or => or;

    public Func<T, T>? Not => not;

    /// <summary>E.g. <c>a window: Count(size) or Time(size)</c>.</summary>
    public string Expected => signatures.Length == 1
        ? $"{description}: {signatures[0].Display}"
        : $"{description}: {string.Join(", ", signatures[..^1].Select(s => s.Display))} or {signatures[^1].Display}";
}

/// <summary>The bound arguments of a call, by parameter index; absent optional ones are <see langword="null"/>.</summary>
internal sealed class Arguments(object?[] values)
{
    public int Count(int index) => (int)values[index]!;

    public double Number(int index) => (double)values[index]!;

    public double NumberOr(int index, double fallback) => values[index] is double value ? value : fallback;

    public TimeSpan Duration(int index) => (TimeSpan)values[index]!;

    public TimeSpan? DurationOrNull(int index) => values[index] as TimeSpan?;

    public Type[] Types(int index) => (Type[])values[index]!;
}
