namespace Fluxgate.Http;

/// <summary>
/// A <see cref="DelegatingHandler"/> that sends each request through a circuit breaker: a rejected request throws
/// <see cref="CallNotPermittedException"/> (with <see cref="CallNotPermittedException.RetryAfter"/>) without touching
/// the network; a failure response is counted and still returned.
/// </summary>
/// <remarks>
/// The breaker lives outside the handler (IHttpClientFactory recycles handlers): the handler only selects it per request.
/// What counts as a failure is the breaker's business (see <see cref="HttpCircuitBreakerDefaults"/>); the caller's
/// cancellation never does.
/// </remarks>
public sealed class CircuitBreakerHandler : DelegatingHandler
{
    private readonly Func<HttpRequestMessage, CircuitBreaker> _selectBreaker;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates a handler that sends every request through <paramref name="breaker"/>.</summary>
    /// <param name="breaker">The breaker.</param>
    /// <exception cref="ArgumentNullException"><paramref name="breaker"/> is <see langword="null"/>.</exception>
    public CircuitBreakerHandler(CircuitBreaker breaker)
        : this(NotNull(breaker), System.Threading.Timeout.InfiniteTimeSpan, TimeProvider.System)
    {
    }

    /// <summary>Creates a handler that chooses a breaker per request, with a timeout of its own.</summary>
    /// <param name="selectBreaker">Returns the breaker for a request, e.g. one per authority.</param>
    /// <param name="timeout">The handler's own timeout per request, counted as a failure; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> for none.</param>
    /// <param name="timeProvider">The clock of the timeout.</param>
    /// <exception cref="ArgumentNullException"><paramref name="selectBreaker"/> or <paramref name="timeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is zero, negative other than infinite, or longer than <see cref="HttpCircuitBreakerHandlerOptions.MaxTimeout"/>.</exception>
    public CircuitBreakerHandler(Func<HttpRequestMessage, CircuitBreaker> selectBreaker, TimeSpan timeout, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(selectBreaker);
        ArgumentNullException.ThrowIfNull(timeProvider);
        HttpCircuitBreakerHandlerOptions.CheckTimeout(timeout, nameof(timeout));

        _selectBreaker = selectBreaker;
        _timeout = timeout;
        _timeProvider = timeProvider;
    }

    private CircuitBreakerHandler(CircuitBreaker breaker, TimeSpan timeout, TimeProvider timeProvider)
        : this(_ => breaker, timeout, timeProvider)
    {
    }

    /// <summary>
    /// Returns a selector that gives each authority (<c>host:port</c>) a breaker of its own from <paramref name="registry"/>,
    /// named <c>{template}/{host}:{port}</c> and made on demand from the options for <paramref name="template"/>, so one
    /// failing host does not block the others. Requests without an absolute URI use the breaker named <paramref name="template"/>.
    /// </summary>
    /// <param name="registry">The registry that makes, keeps and evicts the per-authority breakers.</param>
    /// <param name="template">The name whose options every per-authority breaker is made from.</param>
    /// <returns>The selector, for <see cref="CircuitBreakerHandler(Func{HttpRequestMessage, CircuitBreaker}, TimeSpan, TimeProvider)"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="registry"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="template"/> is null, empty or blank.</exception>
    /// <remarks>The breaker name of each authority is built once and cached: a request costs one dictionary lookup and the registry's.</remarks>
    public static Func<HttpRequestMessage, CircuitBreaker> SelectByAuthority(CircuitBreakerRegistry registry, string template)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentException.ThrowIfNullOrWhiteSpace(template);
        return new AuthoritySelector(registry, template).Select;
    }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _selectBreaker(request)
            .ExecuteAsync(static (state, ct) => state.Handler.SendInnerAsync(state.Request, ct), (Handler: this, Request: request), cancellationToken)
            .AsTask();
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _selectBreaker(request).Execute(
            static state =>
            {
                using var timeout = state.Handler.StartTimeout(state.Token);
                try
                {
                    return state.Handler.SendInner(state.Request, timeout.Token);
                }
                catch (OperationCanceledException exception) when (timeout.TimedOut && !state.Token.IsCancellationRequested)
                {
                    throw state.Handler.TimedOut(state.Request, exception);
                }
            },
            (Handler: this, Request: request, Token: cancellationToken));
    }

    private HttpResponseMessage SendInner(HttpRequestMessage request, CancellationToken cancellationToken) => base.Send(request, cancellationToken);

    private async ValueTask<HttpResponseMessage> SendInnerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = StartTimeout(cancellationToken);
        try
        {
            return await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException exception) when (timeout.TimedOut && !cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(request, exception);
        }
    }

    /// <summary>Links the caller's token with the handler's timeout, if it has one.</summary>
    private TimeoutScope StartTimeout(CancellationToken callerToken) =>
        _timeout == System.Threading.Timeout.InfiniteTimeSpan ? new TimeoutScope(callerToken) : new TimeoutScope(_timeout, _timeProvider, callerToken);

    private TimeoutException TimedOut(HttpRequestMessage request, Exception exception) =>
        new($"{request.Method} {request.RequestUri} did not complete within the circuit breaker handler's timeout of {_timeout}.", exception);

    private static CircuitBreaker NotNull(CircuitBreaker breaker)
    {
        ArgumentNullException.ThrowIfNull(breaker);
        return breaker;
    }

    /// <summary>The token a request is sent with: the caller's, linked with the handler's timeout when there is one.</summary>
    /// <remarks>A struct so that requests without a handler timeout allocate nothing; its callers dispose it with <c>using</c>.</remarks>
#pragma warning disable CA1001 // It is IDisposable; the analyzer does not see disposable structs.
    private readonly struct TimeoutScope : IDisposable
#pragma warning restore CA1001
    {
        private readonly CancellationTokenSource? _timeout;
        private readonly CancellationTokenSource? _linked;

        public TimeoutScope(CancellationToken callerToken)
        {
            Token = callerToken;
        }

        public TimeoutScope(TimeSpan timeout, TimeProvider timeProvider, CancellationToken callerToken)
        {
            _timeout = new CancellationTokenSource(timeout, timeProvider);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _timeout.Token);
            Token = _linked.Token;
        }

        public CancellationToken Token { get; }

        public bool TimedOut => _timeout?.IsCancellationRequested == true;

        public void Dispose()
        {
            _linked?.Dispose();
            _timeout?.Dispose();
        }
    }

    /// <summary>Maps a request's authority to its breaker's name once, then looks the breaker up in the registry per request.</summary>
    private sealed class AuthoritySelector(CircuitBreakerRegistry registry, string template)
    {
        // A client calling arbitrary hosts must not grow the cache without bound: past this many, it starts over.
        private const int MaxCachedNames = 1024;

        // Keyed by the Uri's host as the Uri keeps it and the port; the name is built once per authority.
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Host, int Port), string> _names = new();

        public CircuitBreaker Select(HttpRequestMessage request)
        {
            if (request.RequestUri is not { IsAbsoluteUri: true } uri)
            {
                return registry.GetOrAdd(template, template);
            }

            var key = (uri.Host, uri.Port);
            if (!_names.TryGetValue(key, out var name))
            {
                if (_names.Count >= MaxCachedNames)
                {
                    _names.Clear();
                }

                name = _names.GetOrAdd(key, $"{template}/{uri.IdnHost}:{uri.Port}");
            }

            return registry.GetOrAdd(name, template);
        }
    }
}
