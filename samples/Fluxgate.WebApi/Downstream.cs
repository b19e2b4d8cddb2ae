namespace Fluxgate.WebApi;

/// <summary>How the simulated inventory service behaves; switched at runtime through <c>POST /admin/downstream/{mode}</c>.</summary>
internal enum DownstreamMode
{
    Healthy,
    Failing,
    Slow,
}

/// <summary>The simulated inventory service: a second listener of this app, on its own loopback port.</summary>
internal sealed class Downstream(TimeProvider timeProvider)
{
    private int _mode;
    private int _requests;

    public DownstreamMode Mode
    {
        get => (DownstreamMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)value);
    }

    /// <summary>Gets how many requests reached the downstream: rejected calls never do.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public async Task<IResult> StockAsync(string sku, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        switch (Mode)
        {
            case DownstreamMode.Failing:
                return Results.Problem("inventory database unavailable", statusCode: StatusCodes.Status500InternalServerError);
            case DownstreamMode.Slow:
                await Task.Delay(TimeSpan.FromSeconds(5), timeProvider, cancellationToken);
                break;
        }

        return Results.Ok(new Stock(sku, sku.Length * 7 % 50));
    }
}

internal sealed record Stock(string Sku, int Available);
