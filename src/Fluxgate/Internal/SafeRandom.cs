namespace Fluxgate;

/// <summary>Draws from <see cref="Random.Shared"/> as is, and from a caller's seeded <see cref="Random"/> under a lock, since a plain <see cref="Random"/> is not thread-safe.</summary>
internal readonly struct SafeRandom
{
    private readonly Random? _seeded;

    public SafeRandom(Random? random) => _seeded = random is null || ReferenceEquals(random, Random.Shared) ? null : random;

    public double NextDouble()
    {
        var seeded = _seeded;
        if (seeded is null)
        {
            return Random.Shared.NextDouble();
        }

        lock (seeded)
        {
            return seeded.NextDouble();
        }
    }
}
