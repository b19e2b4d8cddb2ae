using System.Collections;

namespace Fluxgate;

/// <summary>The listeners of a breaker, sync and async, in the order they were added.</summary>
/// <remarks>A breaker copies the collection when it is created; later changes do not reach it.</remarks>
public sealed class ListenerCollection : IEnumerable<object>
{
    // The interface each listener was added through, so one implementing both is delivered to as added.
    private readonly List<(object Listener, bool IsAsync)> _items = [];

    /// <summary>Gets the number of listeners.</summary>
    public int Count => _items.Count;

    /// <summary>Adds a synchronous listener.</summary>
    /// <param name="listener">The listener.</param>
    /// <exception cref="ArgumentNullException"><paramref name="listener"/> is <see langword="null"/>.</exception>
    public void Add(ICircuitBreakerListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _items.Add((listener, false));
    }

    /// <summary>Adds an asynchronous listener.</summary>
    /// <param name="listener">The listener.</param>
    /// <exception cref="ArgumentNullException"><paramref name="listener"/> is <see langword="null"/>.</exception>
    public void Add(IAsyncCircuitBreakerListener listener)
    {
        ArgumentNullException.ThrowIfNull(listener);
        _items.Add((listener, true));
    }

    /// <summary>Removes a listener.</summary>
    /// <param name="listener">The listener.</param>
    /// <returns><see langword="true"/> when it was in the collection.</returns>
    public bool Remove(object listener)
    {
        var index = _items.FindIndex(item => ReferenceEquals(item.Listener, listener));
        if (index < 0)
        {
            return false;
        }

        _items.RemoveAt(index);
        return true;
    }

    /// <summary>Removes every listener.</summary>
    public void Clear() => _items.Clear();

    /// <summary>Returns the listeners in the order they were added.</summary>
    /// <returns>The enumerator.</returns>
    public IEnumerator<object> GetEnumerator() => _items.Select(item => item.Listener).GetEnumerator();

    internal ICircuitBreakerListener[] SyncListeners() => _items.Count == 0 ? [] : [.. _items.Where(i => !i.IsAsync).Select(i => (ICircuitBreakerListener)i.Listener)];

    internal IAsyncCircuitBreakerListener[] AsyncListeners() => _items.Count == 0 ? [] : [.. _items.Where(i => i.IsAsync).Select(i => (IAsyncCircuitBreakerListener)i.Listener)];

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
