namespace Fluxgate.Tests.Support;

/// <summary>A synchronization context that counts the continuations posted to it and runs them on the thread pool.</summary>
internal sealed class CountingSynchronizationContext : SynchronizationContext
{
    private int _posts;

    public int Posts => Volatile.Read(ref _posts);

    public override void Post(SendOrPostCallback d, object? state)
    {
        Interlocked.Increment(ref _posts);
        ThreadPool.QueueUserWorkItem(_ => d(state));
    }

    /// <summary>Runs <paramref name="action"/> with this context current on the calling thread, then restores the previous one.</summary>
    public T RunWith<T>(Func<T> action)
    {
        var previous = Current;
        SetSynchronizationContext(this);
        try
        {
            return action();
        }
        finally
        {
            SetSynchronizationContext(previous);
        }
    }
}
