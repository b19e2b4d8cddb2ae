using Fluxgate.Tests.Support;
using static Fluxgate.Tracker;

namespace Fluxgate.Tests.Trackers;

public class TrackerTests
{
    private static readonly Exception Io = new IOException("disk");
    private static readonly Exception Timeout = new TimeoutException("slow");
    private static readonly Exception Argument = new ArgumentException("bad");

    [Fact]
    public void All_CountsEveryException()
    {
        Assert.True(All().IsFailure(Io));
        Assert.True(All().IsFailure(new OperationCanceledException()));
    }

    [Fact]
    public void TypeOfGeneric_CountsTheTypeAndItsSubclassesOnly()
    {
        var tracker = TypeOf<IOException>();

        Assert.True(tracker.IsFailure(Io));
        Assert.True(tracker.IsFailure(new FileNotFoundException()));
        Assert.False(tracker.IsFailure(Timeout));
    }

    [Fact]
    public void TypeOfParams_CountsAnyOfTheTypes()
    {
        var tracker = TypeOf(typeof(IOException), typeof(TimeoutException));

        Assert.True(tracker.IsFailure(Io));
        Assert.True(tracker.IsFailure(Timeout));
        Assert.False(tracker.IsFailure(Argument));
    }

    [Fact]
    public void TypeOf_NoTypes_ThrowsArgumentExceptionNamingTypes()
    {
        var error = Assert.Throws<ArgumentException>(() => TypeOf());
        Assert.Equal("types", error.ParamName);
        Assert.Contains("At least one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeOf_NullArrayOrElement_ThrowsArgumentNullExceptionNamingTypes()
    {
        Assert.Equal("types", Assert.Throws<ArgumentNullException>(() => TypeOf(null!)).ParamName);
        Assert.Equal("types", Assert.Throws<ArgumentNullException>(() => TypeOf(typeof(IOException), null!)).ParamName);
    }

    [Fact]
    public void TypeOf_NonExceptionType_ThrowsArgumentExceptionNamingTheType()
    {
        var error = Assert.Throws<ArgumentException>(() => TypeOf(typeof(IOException), typeof(string)));

        Assert.Equal("types", error.ParamName);
        Assert.Contains("'System.String' is not an exception type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Custom_AsksThePredicate()
    {
        var tracker = Custom(e => e.Message == "disk");

        Assert.True(tracker.IsFailure(Io));
        Assert.False(tracker.IsFailure(Timeout));
        Assert.Equal("predicate", Assert.Throws<ArgumentNullException>(() => Custom(null!)).ParamName);
    }

    [Fact]
    public void Operators_CombineLikeBooleanLogic()
    {
        var io = TypeOf<IOException>();
        var slow = TypeOf<TimeoutException>();
        var notFound = TypeOf<FileNotFoundException>();

        Assert.True((io | slow).IsFailure(Timeout));
        Assert.False((io & slow).IsFailure(Timeout));
        Assert.True((io & ~notFound).IsFailure(Io));
        Assert.False((io & ~notFound).IsFailure(new FileNotFoundException()));
        Assert.True((!io).IsFailure(Argument));
        Assert.False((!io).IsFailure(Io));
        Assert.True(io.Or(slow).IsFailure(Timeout));
        Assert.False(io.And(slow).IsFailure(Io));
        Assert.True(io.Not().IsFailure(Timeout));
    }

    [Fact]
    public void Or_EitherOperandCounting_IsAFailureAndNeitherIsNot()
    {
        var io = TypeOf<IOException>();
        var slow = TypeOf<TimeoutException>();

        Assert.True((io | slow).IsFailure(Io));
        Assert.True((io | slow).IsFailure(Timeout));
        Assert.False((io | slow).IsFailure(Argument));
    }

    [Fact]
    public void Operators_NullOperand_ThrowArgumentNullException()
    {
        var io = TypeOf<IOException>();
        Assert.Throws<ArgumentNullException>(() => io & null!);
        Assert.Throws<ArgumentNullException>(() => null! | io);
        Assert.Throws<ArgumentNullException>(() => ~(Tracker)null!);
    }

    [Fact]
    public void Breaker_TrackerThatThrows_CountsTheCallAsFailedAndTheCallerSeesTheCallsException()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureStreak(1));
        options.Tracker = Custom(_ => throw new InvalidOperationException("buggy tracker"));
        var breaker = new CircuitBreaker(options);

        Assert.Throws<TrackedException>(() => breaker.Execute(() => throw new TrackedException()));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Breaker_UserDefinedTracker_DecidesWhichExceptionsAreFailures()
    {
        var clock = TestKit.NewClock();
        var options = TestKit.Options(clock, Tripper.FailureStreak(2));
        options.Tracker = new MessageTracker("timeout") & ~TypeOf<ArgumentException>();
        var breaker = new CircuitBreaker(options);

        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException("bad request")));
        Assert.Throws<ArgumentException>(() => breaker.Execute(() => throw new ArgumentException("timeout")));
        Assert.Equal(0, breaker.GetInfo().Metrics.TotalCount);                 // untracked: not recorded
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException("timeout")));
        Assert.Equal((1, 1), (breaker.GetInfo().Metrics.FailureCount, breaker.GetInfo().ConsecutiveFailures));
        Assert.Throws<InvalidOperationException>(() => breaker.Execute(() => throw new InvalidOperationException("timeout")));

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void ToString_DescribesTheExpression() =>
        Assert.Equal("(TypeOf(System.IO.IOException) | TypeOf(System.TimeoutException)) & ~All()", ((TypeOf<IOException>() | TypeOf<TimeoutException>()) & ~All()).ToString());

    /// <summary>A tracker written outside the library: it counts the exceptions whose message is the given one.</summary>
    private sealed class MessageTracker(string message) : Tracker
    {
        public override bool IsFailure(Exception exception) => exception.Message == message;
    }
}
