using System.Linq.Expressions;
using System.Reflection;
using Fluxgate.Tests.Support;
using static Fluxgate.Tests.Support.TestKit;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// Every <c>Decorate</c> overload (0 to 3 arguments; function, action, async function, async action; with and without
/// a fallback) keeps the same contract, checked here for each by reflection: arguments and result pass through, the
/// call is recorded, a failure reaches the caller or the fallback, a rejection never runs the call, and null
/// arguments are refused by name.
/// </summary>
public class DecorateContractTests
{
    private readonly FakeTimeProvider _clock = NewClock();

    public static TheoryData<string> Overloads()
    {
        var data = new TheoryData<string>();
        foreach (var method in DecorateMethods())
        {
            data.Add(method.ToString()!);
        }

        return data;
    }

    public static TheoryData<string> AsyncOverloads()
    {
        var data = new TheoryData<string>();
        foreach (var method in DecorateMethods().Where(m => typeof(Task).IsAssignableFrom(m.ReturnType.GetMethod("Invoke")!.ReturnType)))
        {
            data.Add(method.ToString()!);
        }

        return data;
    }

    [Fact]
    public void Overloads_CoverEveryShape()
    {
        // 3 arities × 4 delegate kinds × with and without a fallback: a new overload must be added here knowingly.
        Assert.Equal(24, DecorateMethods().Count());
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task Decorated_Success_PassesArgumentsAndResultAndIsRecorded(string overload)
    {
        var shape = Shape.Of(overload);
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var probe = new Probe();

        var result = await shape.InvokeAsync(breaker, probe);

        Assert.Equal(shape.Arguments, probe.Received);
        Assert.Equal(shape.ReturnsValue ? "ok" : null, result);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
        Assert.Equal(0, breaker.GetInfo().Metrics.FailureCount);
        Assert.Null(probe.FallbackReceived);
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task Decorated_Failure_ReachesTheCallerOrTheFallbackAndIsRecorded(string overload)
    {
        var shape = Shape.Of(overload);
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var probe = new Probe { Fails = true };

        if (shape.HasFallback)
        {
            var result = await shape.InvokeAsync(breaker, probe);

            Assert.Same(probe.Thrown, probe.FallbackReceived);
            Assert.Equal(shape.ReturnsValue ? "fallback" : null, result);
        }
        else
        {
            var error = await Assert.ThrowsAsync<TrackedException>(() => shape.InvokeAsync(breaker, probe));
            Assert.Same(probe.Thrown, error);
        }

        Assert.Equal(shape.Arguments, probe.Received);
        Assert.Equal(1, breaker.GetInfo().Metrics.FailureCount);
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public async Task Decorated_Rejection_NeverRunsTheCall(string overload)
    {
        var shape = Shape.Of(overload);
        var breaker = new CircuitBreaker(Options(_clock));
        breaker.ForceOpen();
        var probe = new Probe();

        if (shape.HasFallback)
        {
            var result = await shape.InvokeAsync(breaker, probe);

            var rejection = Assert.IsType<CallNotPermittedException>(probe.FallbackReceived);
            Assert.Equal(CircuitState.ForcedOpen, rejection.State);
            Assert.Equal(shape.ReturnsValue ? "fallback" : null, result);
        }
        else
        {
            await Assert.ThrowsAsync<CallNotPermittedException>(() => shape.InvokeAsync(breaker, probe));
        }

        Assert.Null(probe.Received);
    }

    [Theory]
    [MemberData(nameof(AsyncOverloads))]
    public async Task Decorated_AsyncCall_DoesNotResumeOnTheCallersSynchronizationContext(string overload)
    {
        var shape = Shape.Of(overload);
        var breaker = new CircuitBreaker(Options(_clock, Tripper.FailureStreak(10)));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new Probe { Gate = gate.Task };
        var context = new CountingSynchronizationContext();

        var call = (Task)context.RunWith(() => shape.Start(breaker, probe))!;
        gate.SetResult();
        await call;

        Assert.Equal(0, context.Posts);
        Assert.Equal(1, breaker.GetInfo().Metrics.TotalCount);
    }

    [Theory]
    [MemberData(nameof(Overloads))]
    public void Decorate_NullArguments_AreRefusedByName(string overload)
    {
        var shape = Shape.Of(overload);
        var breaker = new CircuitBreaker(Options(_clock));
        var parameters = shape.Method.GetParameters();

        for (var i = 0; i < parameters.Length; i++)
        {
            var arguments = shape.DecorateArguments(new Probe());
            arguments[i] = null;

            var error = Assert.IsType<ArgumentNullException>(Record.Exception(() => Unwrap(() => shape.Method.Invoke(breaker, arguments))));
            Assert.Equal(parameters[i].Name, error.ParamName);
        }
    }

    private static IEnumerable<MethodInfo> DecorateMethods() =>
        typeof(CircuitBreaker).GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == nameof(CircuitBreaker.Decorate));

    private static object? Unwrap(Func<object?> invoke)
    {
        try
        {
            return invoke();
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(exception.InnerException);
            throw;
        }
    }

    /// <summary>The protected call and the fallback, as plain methods the generated delegates forward to.</summary>
    public sealed class Probe
    {
        public bool Fails { get; init; }

        /// <summary>When set, async calls wait for it (without capturing a context) instead of yielding.</summary>
        public Task? Gate { get; init; }

        public object[]? Received { get; private set; }

        public TrackedException? Thrown { get; private set; }

        public Exception? FallbackReceived { get; private set; }

        public string Call(object[] arguments)
        {
            Received = arguments;
            if (Fails)
            {
                throw Thrown = new TrackedException();
            }

            return "ok";
        }

        public async Task<string> CallAsync(object[] arguments)
        {
            if (Gate is null)
            {
                await Task.Yield();                                   // completes later: the asynchronous path
            }
            else
            {
                await Gate.ConfigureAwait(false);
            }

            return Call(arguments);
        }

        public Task CallVoidAsync(object[] arguments) => CallAsync(arguments);

        public string Fallback(Exception exception)
        {
            FallbackReceived = exception;
            return "fallback";
        }
    }

    /// <summary>One overload: its delegate kind, arity and fallback, and how to build and call its delegates.</summary>
    private sealed class Shape
    {
        private Shape(MethodInfo method)
        {
            Method = method;
            var delegateType = method.GetParameters()[0].ParameterType;
            var invoke = delegateType.GetMethod("Invoke")!;
            Arity = invoke.GetParameters().Length;
            ReturnType = invoke.ReturnType;
            HasFallback = method.GetParameters().Length == 2;
            ReturnsValue = ReturnType != typeof(void) && ReturnType != typeof(Task);
        }

        public MethodInfo Method { get; }

        public int Arity { get; }

        public Type ReturnType { get; }

        public bool HasFallback { get; }

        public bool ReturnsValue { get; }

        public object[] Arguments => [.. Enumerable.Range(1, Arity).Cast<object>()];

        public static Shape Of(string overload)
        {
            var method = DecorateMethods().Single(m => m.ToString() == overload);

            // Arguments are ints, results strings: distinct types, so a mix-up cannot compile or pass.
            if (method.IsGenericMethodDefinition)
            {
                var generic = method.GetGenericArguments();
                method = method.MakeGenericMethod([.. generic.Select(g => g.Name == "TResult" ? typeof(string) : typeof(int))]);
            }

            return new Shape(method);
        }

        public object?[] DecorateArguments(Probe probe)
        {
            var parameters = Method.GetParameters();
            var protectedCall = Forwarder(parameters[0].ParameterType, probe);
            return HasFallback ? [protectedCall, FallbackDelegate(parameters[1].ParameterType, probe)] : [protectedCall];
        }

        /// <summary>Decorates and calls, synchronously: returns what the decorated delegate returned (a task for async shapes).</summary>
        public object? Start(CircuitBreaker breaker, Probe probe)
        {
            var decorated = (Delegate)Unwrap(() => Method.Invoke(breaker, DecorateArguments(probe)))!;
            Assert.Equal(Method.GetParameters()[0].ParameterType, decorated.GetType());
            return Unwrap(() => decorated.DynamicInvoke(Arguments));
        }

        public async Task<string?> InvokeAsync(CircuitBreaker breaker, Probe probe)
        {
            var returned = Start(breaker, probe);
            return returned switch
            {
                Task<string> task => await task,
                Task task => await Completed(task),
                _ => (string?)returned,
            };

            static async Task<string?> Completed(Task task)
            {
                await task;
                return null;
            }
        }

        /// <summary>Builds a delegate of <paramref name="delegateType"/> that forwards its arguments to the probe.</summary>
        private static Delegate Forwarder(Type delegateType, Probe probe)
        {
            var invoke = delegateType.GetMethod("Invoke")!;
            var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType)).ToArray();
            var arguments = Expression.NewArrayInit(typeof(object), parameters.Select(p => Expression.Convert(p, typeof(object))));
            var target = invoke.ReturnType == typeof(Task<string>) ? nameof(Probe.CallAsync)
                : invoke.ReturnType == typeof(Task) ? nameof(Probe.CallVoidAsync)
                : nameof(Probe.Call);
            Expression body = Expression.Call(Expression.Constant(probe), typeof(Probe).GetMethod(target)!, arguments);
            if (invoke.ReturnType == typeof(void))
            {
                body = Expression.Block(typeof(void), body);
            }

            return Expression.Lambda(delegateType, body, parameters).Compile();
        }

        private static Delegate FallbackDelegate(Type delegateType, Probe probe) =>
            delegateType == typeof(Action<Exception>)
                ? new Action<Exception>(e => probe.Fallback(e))
                : new Func<Exception, string>(probe.Fallback);
    }
}
