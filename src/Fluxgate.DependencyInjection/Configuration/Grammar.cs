namespace Fluxgate.Configuration;

/// <summary>The factories each kind of component can be written with, mirroring the C# ones parameter for parameter.</summary>
internal static class Grammar
{
    public enum ParamKind
    {
        Count,
        Number,
        Duration,
        ExceptionType,
    }

    public static Kind<Window> Windows() => new(
        "a window",
        [
            new("Count", [new("size", ParamKind.Count)], a => new CountWindow(a.Get<int>(0))),
            new("Time", [new("size", ParamKind.Duration)], a => new TimeWindow(a.Get<TimeSpan>(0))),
        ]);

    public static Kind<Tracker> Trackers() => new(
        "a tracker",
        [
            new("All", [], _ => Tracker.All()),
            new("TypeOf", [new("types", ParamKind.ExceptionType, Variadic: true)], a => Tracker.TypeOf(a.Get<Type[]>(0))),
        ],
        (l, r) => l & r,
        (l, r) => l | r,
        t => ~t);

    public static Kind<Tripper> Trippers() => new(
        "a tripper",
        [
            new("Closed", [], _ => Tripper.Closed()),
            new("HalfOpened", [], _ => Tripper.HalfOpened()),
            new("MinRequests", [new("count", ParamKind.Count)], a => Tripper.MinRequests(a.Get<int>(0))),
            new("FailureRate", [new("ratio", ParamKind.Number)], a => Tripper.FailureRate(a.Get<double>(0))),
            new("AvgLatency", [new("threshold", ParamKind.Duration)], a => Tripper.AvgLatency(a.Get<TimeSpan>(0))),
            new("SlowRate", [new("ratio", ParamKind.Number), new("threshold", ParamKind.Duration)], a => Tripper.SlowRate(a.Get<double>(0), a.Get<TimeSpan>(1))),
            new("FailureStreak", [new("count", ParamKind.Count)], a => Tripper.FailureStreak(a.Get<int>(0))),
        ],
        (l, r) => l & r,
        (l, r) => l | r,
        t => ~t);

    public static Kind<Retry> Retries(Random? random) => new(
        "a retry",
        [
            new("Always", [], _ => Retry.Always()),
            new("Never", [], _ => Retry.Never()),
            new("Cooldown", [new("duration", ParamKind.Duration), new("jitterRatio", ParamKind.Number, Optional: true)], a => Retry.Cooldown(a.Get<TimeSpan>(0), a.GetOr(1, 0.0), random)),
            new(
                "Backoff",
                [new("initial", ParamKind.Duration), new("multiplier", ParamKind.Number, Optional: true), new("maxDuration", ParamKind.Duration, Optional: true), new("jitterRatio", ParamKind.Number, Optional: true)],
                a => Retry.Backoff(a.Get<TimeSpan>(0), a.GetOr(1, 2.0), a.Has(2) ? a.Get<TimeSpan>(2) : null, a.GetOr(3, 0.0), random)),
        ]);

    public static Kind<Permit> Permits(Random? random) => new(
        "a permit",
        [
            new("All", [], _ => Permit.All()),
            new("Random", [new("ratio", ParamKind.Number)], a => Permit.Random(a.Get<double>(0), random)),
            new("RampUp", [new("initial", ParamKind.Number), new("final", ParamKind.Number), new("duration", ParamKind.Duration)], a => Permit.RampUp(a.Get<double>(0), a.Get<double>(1), a.Get<TimeSpan>(2), random)),
        ]);

    public sealed record Param(string Name, ParamKind Kind, bool Optional = false, bool Variadic = false);

    public sealed record Signature<T>(string Name, Param[] Params, Func<Arguments, T> Create)
    {
        public string Display => $"{Name}({string.Join(", ", Params.Select(p => p.Variadic ? p.Name + "…" : p.Name))})";
    }

    /// <summary>One kind of component: its factories, and its operators when it combines.</summary>
    public sealed class Kind<T>(string description, Signature<T>[] signatures, Func<T, T, T>? and = null, Func<T, T, T>? or = null, Func<T, T>? not = null)
    {
        public string Description => description;

        public Signature<T>[] Signatures => signatures;

        public Func<T, T, T>? And => and;

        public Func<T, T, T>? Or => or;

        public Func<T, T>? Not => not;

        /// <summary>E.g. <c>a window: Count(size) or Time(size)</c>.</summary>
        public string Expected => signatures.Length == 1
            ? $"{description}: {signatures[0].Display}"
            : $"{description}: {string.Join(", ", signatures[..^1].Select(s => s.Display))} or {signatures[^1].Display}";
    }

    /// <summary>The bound arguments of a call, by parameter index; absent optional ones are <see langword="null"/>.</summary>
    public sealed class Arguments(object?[] values)
    {
        public TValue Get<TValue>(int index) => (TValue)values[index]!;

        public bool Has(int index) => values[index] is not null;

        public TValue GetOr<TValue>(int index, TValue fallback) => values[index] is TValue value ? value : fallback;
    }
}
