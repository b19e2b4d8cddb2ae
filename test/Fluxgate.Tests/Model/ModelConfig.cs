namespace Fluxgate.Tests.Model;

/// <summary>One breaker configuration, built both as real components and as plain functions for the model.</summary>
internal sealed record ModelConfig(
    int TripperIndex,
    int CountWindowSize,
    int TimeWindowSeconds,
    bool RetryNever,
    TimeSpan RetryInitial,
    double RetryMultiplier,
    TimeSpan RetryMax,
    double Jitter,
    double RampInitial,
    double RampFinal,
    TimeSpan RampDuration,
    int MaxHalfOpenCalls,
    int Seed,
    bool MeasureDurations = true)
{
    public static readonly TimeSpan SlowThreshold = TimeSpan.FromMilliseconds(100);

    /// <summary>Each tripper twice: as Fluxgate components, and as the plain rule the model evaluates.</summary>
    private static readonly (Func<Tripper> Real, Func<ModelMetrics, CircuitState, int, bool> Model, string Text)[] Trippers =
    [
        (() => Tripper.MinRequests(3) & Tripper.FailureRate(0.5),
            (m, _, _) => m.Total >= 3 && Rate(m.Failures, m) >= 0.5,
            "MinRequests(3) & FailureRate(0.5)"),
        (() => Tripper.FailureStreak(3) | (Tripper.MinRequests(4) & Tripper.SlowRate(0.5, SlowThreshold)),
            (m, _, streak) => streak >= 3 || (m.Total >= 4 && Rate(m.Slow, m) >= 0.5),
            "FailureStreak(3) | (MinRequests(4) & SlowRate(0.5, 100ms))"),
        (() => Tripper.MinRequests(2) & ((Tripper.Closed() & Tripper.FailureRate(0.6)) | (Tripper.HalfOpened() & Tripper.FailureRate(0.3))),
            (m, state, _) => m.Total >= 2 && ((state == CircuitState.Closed && Rate(m.Failures, m) >= 0.6) || (state == CircuitState.HalfOpen && Rate(m.Failures, m) >= 0.3)),
            "MinRequests(2) & ((Closed() & FailureRate(0.6)) | (HalfOpened() & FailureRate(0.3)))"),
        (() => Tripper.MinRequests(2) & Tripper.AvgLatency(TimeSpan.FromMilliseconds(150)),
            (m, _, _) => m.Total >= 2 && m.Total > 0 && m.DurationTicks / m.Total >= TimeSpan.FromMilliseconds(150).Ticks,
            "MinRequests(2) & AvgLatency(150ms)"),
        (() => Tripper.FailureRate(0.4) | Tripper.HalfOpened(),
            (m, state, _) => (m.Total > 0 && Rate(m.Failures, m) >= 0.4) || state == CircuitState.HalfOpen,
            "FailureRate(0.4) | HalfOpened()"),
    ];

    public static int TripperCount => Trippers.Length;

    /// <summary>Whether tripper <paramref name="index"/> decides on durations (so it needs a breaker that measures them).</summary>
    public static bool ReadsDurations(int index) => Trippers[index].Real().ReadsDurations();

    public bool Trip(ModelMetrics metrics, CircuitState state, int streak) => Trippers[TripperIndex].Model(metrics, state, streak);

    public CircuitBreakerOptions ToOptions(TimeProvider clock) => new()
    {
        Name = "model",
        TimeProvider = clock,
        Window = TimeWindowSeconds > 0 ? new TimeWindow(TimeSpan.FromSeconds(TimeWindowSeconds)) : new CountWindow(CountWindowSize),
        Tracker = Tracker.TypeOf<Support.TrackedException>(),
        Tripper = Trippers[TripperIndex].Real(),
        Retry = RetryNever ? Retry.Never() : Retry.Backoff(RetryInitial, RetryMultiplier, RetryMax, Jitter, new Random(Seed + 1)),
        Permit = Permit.RampUp(RampInitial, RampFinal, RampDuration, new Random(Seed)),
        MaxHalfOpenCalls = MaxHalfOpenCalls,
        MeasureDurations = MeasureDurations,
    };

    public override string ToString() =>
        $"tripper={Trippers[TripperIndex].Text} window={(TimeWindowSeconds > 0 ? $"Time({TimeWindowSeconds}s)" : $"Count({CountWindowSize})")} " +
        $"retry={(RetryNever ? "Never" : $"Backoff({RetryInitial.TotalSeconds}s, {RetryMultiplier}, {RetryMax.TotalSeconds}s, {Jitter})")} " +
        $"permit=RampUp({RampInitial}, {RampFinal}, {RampDuration.TotalSeconds}s) maxHalfOpen={MaxHalfOpenCalls} measureDurations={MeasureDurations} seed={Seed}";

    private static double Rate(int count, ModelMetrics m) => (double)count / m.Total;
}
