namespace Fluxgate.Docs.Snippets.PollyDocs;

internal static class BreakDuration
{
    #region snippet
    // BreakDurationGenerator = args => ValueTask.FromResult(TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, args.HalfOpenAttempts), 300)))
    internal sealed class DoublingRetry : Retry
    {
        public override TimeSpan GetWaitDuration(int reopens) => TimeSpan.FromSeconds(Math.Min(5 * Math.Pow(2, reopens), 300));
    }

    // …which the built-in backoff already is: 5 s, doubling, capped at 5 minutes, no jitter.
    internal static readonly Retry Builtin = Retry.Backoff(TimeSpan.FromSeconds(5), 2, TimeSpan.FromMinutes(5), 0);
    #endregion
}
