using System.Linq.Expressions;
using System.Reflection;
using Fluxgate.Tests.Support;

namespace Fluxgate.Tests.Breaker;

/// <summary>
/// Every public method and constructor of the core refuses <see langword="null"/> for each parameter not annotated
/// nullable, at once (not later, when a delegate would be called, and not as a faulted task), with an
/// <see cref="ArgumentNullException"/> that names the parameter. Found by reflection, so a new member is covered without
/// being listed. <c>Decorate</c> has its own contract test.
/// </summary>
public class NullArgumentTests
{
    private static readonly NullabilityInfoContext Nullability = new();

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var (member, parameter) in All())
        {
            data.Add(Describe(member), parameter.Name!);
        }

        return data;
    }

    [Fact]
    public void Sweep_FindsTheMembersItIsMeantToCover()
    {
        var described = All().Select(c => Describe(c.Member)).ToHashSet();

        Assert.Contains(described, d => d.StartsWith("CircuitBreaker.Execute(", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("CircuitBreakerTaskExtensions.TryExecuteAsync(", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("Tripper.op_BitwiseAnd(", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("Tracker.TypeOf(", StringComparison.Ordinal));
        Assert.Contains(described, d => d.StartsWith("ResultTracker.op_BitwiseOr(", StringComparison.Ordinal));
        Assert.True(described.Count >= 40, $"only {described.Count} members found");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PublicMember_NullForANonNullableParameter_ThrowsArgumentNullExceptionNamingIt(string member, string parameter)
    {
        var (method, _) = All().Single(c => Describe(c.Member) == member && c.Parameter.Name == parameter);
        var parameters = method.GetParameters();
        var arguments = parameters.Select(p => p.Name == parameter ? null : Valid(p.ParameterType)).ToArray();
        var instance = method.IsStatic || method is ConstructorInfo ? null : Receiver(method.DeclaringType!);

        var error = Record.Exception(() =>
        {
            try
            {
                _ = method is ConstructorInfo constructor ? constructor.Invoke(arguments) : method.Invoke(instance, arguments);
            }
            catch (TargetInvocationException exception) when (exception.InnerException is not null)
            {
                throw exception.InnerException;
            }
        });

        var argumentNull = Assert.IsType<ArgumentNullException>(error);
        Assert.Equal(parameter, argumentNull.ParamName);
    }

    private static IEnumerable<(MethodBase Member, ParameterInfo Parameter)> All()
    {
        Type[] types =
        [
            typeof(CircuitBreaker), typeof(CircuitBreakerTaskExtensions), typeof(Tracker), typeof(Tripper), typeof(ResultTracker),
            typeof(Retry), typeof(Permit), typeof(Metric), typeof(CallNotPermittedException), typeof(CountWindow), typeof(TimeWindow),
            typeof(CircuitStateExtensions), typeof(CircuitBreakerFailure),
        ];
        foreach (var type in types)
        {
            var members = type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal))
                .Where(m => m.Name != nameof(CircuitBreaker.Decorate) && m.Name != nameof(Equals))
                .Where(m => !m.IsAbstract)                            // extension points: the subclass's own contract
                .Select(m => (MethodBase)Close(m))
                .Concat(type.GetConstructors());
            foreach (var member in members)
            {
                foreach (var parameter in member.GetParameters())
                {
                    if (!parameter.ParameterType.IsValueType && !parameter.IsOut
                        && Nullability.Create(parameter).WriteState == NullabilityState.NotNull)
                    {
                        yield return (member, parameter);
                    }
                }
            }
        }
    }

    private static MethodInfo Close(MethodInfo method) =>
        method.IsGenericMethodDefinition
            ? method.MakeGenericMethod([.. method.GetGenericArguments().Select(g => g.GetGenericParameterConstraints().Contains(typeof(Exception)) ? typeof(InvalidOperationException) : typeof(int))])
            : method;

    private static string Describe(MethodBase member) =>
        $"{member.DeclaringType!.Name}.{member.Name}({string.Join(", ", member.GetParameters().Select(p => p.ParameterType.ToString().Replace("System.", string.Empty, StringComparison.Ordinal)))})";

    private static object Receiver(Type type) => type switch
    {
        _ when type == typeof(CircuitBreaker) => new CircuitBreaker(TestKit.Options(TestKit.NewClock())),
        _ when type == typeof(Tracker) => Tracker.All(),
        _ when type == typeof(Tripper) => Tripper.Closed(),
        _ when type == typeof(ResultTracker) => ResultTracker.When<int>(r => r < 0),
        _ => throw new InvalidOperationException($"No receiver for {type}."),
    };

    /// <summary>A valid value of <paramref name="type"/>: the calls must fail on the null alone.</summary>
    private static object? Valid(Type type) => type switch
    {
        _ when type == typeof(int) => 1,
        _ when type == typeof(double) => 0.5,
        _ when type == typeof(string) => "name",
        _ when type == typeof(TimeSpan) => TimeSpan.FromSeconds(1),
        _ when type == typeof(TimeSpan?) => null,
        _ when type == typeof(CircuitState) => CircuitState.Open,
        _ when type == typeof(CancellationToken) => CancellationToken.None,
        _ when type == typeof(Exception) => new InvalidOperationException(),
        _ when type == typeof(Type[]) || type == typeof(IReadOnlyCollection<Type>) => new[] { typeof(InvalidOperationException) },
        _ when type == typeof(ReadOnlySpan<TimeSpan>) || type == typeof(ReadOnlySpan<int>) => throw new InvalidOperationException("spans are value types"),
        _ when type == typeof(CircuitBreaker) => new CircuitBreaker(TestKit.Options(TestKit.NewClock())),
        _ when type == typeof(CircuitBreakerOptions) => TestKit.Options(TestKit.NewClock()),
        _ when type == typeof(Tracker) => Tracker.All(),
        _ when type == typeof(Tripper) => Tripper.Closed(),
        _ when type == typeof(ResultTracker) => ResultTracker.When<int>(r => r < 0),
        _ when type == typeof(Random) => new Random(1),
        _ when type == typeof(object) => new object(),
        _ when type.IsByRef => Valid(type.GetElementType()!),
        _ when typeof(Delegate).IsAssignableFrom(type) => NoOp(type),
        _ when type.IsValueType => Activator.CreateInstance(type),
        _ => throw new InvalidOperationException($"No valid value for {type}: add one."),
    };

    /// <summary>A delegate of <paramref name="type"/> that does nothing and returns a completed result.</summary>
    private static Delegate NoOp(Type type)
    {
        var invoke = type.GetMethod("Invoke")!;
        var parameters = invoke.GetParameters().Select(p => Expression.Parameter(p.ParameterType)).ToArray();
        var returns = invoke.ReturnType;
        Expression body = returns == typeof(void) ? Expression.Empty()
            : returns == typeof(Task) ? Expression.Constant(Task.CompletedTask)
            : returns.IsGenericType && returns.GetGenericTypeDefinition() == typeof(Task<>)
                ? Expression.Call(typeof(Task), nameof(Task.FromResult), [returns.GetGenericArguments()[0]], Expression.Default(returns.GetGenericArguments()[0]))
            : Expression.Default(returns);
        return Expression.Lambda(type, body, parameters).Compile();
    }
}
