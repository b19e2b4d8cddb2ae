using System.Globalization;

namespace Fluxgate;

/// <summary>
/// A factory argument outside its range, as data: which parameter, the value, and the rule it breaks. The factory's
/// exception message and the expression reader's positioned error are both written from it, so neither has to read
/// the other's text.
/// </summary>
/// <param name="Parameter">The parameter's name, as in the factory's signature.</param>
/// <param name="Value">The rejected value.</param>
/// <param name="Rule">What the value must be, completing "Must be …", e.g. <c>greater than 0 and at most 1</c>.</param>
/// <param name="OutOfRange"><see langword="true"/> for a value outside a range (<see cref="ArgumentOutOfRangeException"/>); <see langword="false"/> for a value of the wrong form (<see cref="ArgumentException"/>).</param>
internal readonly record struct ArgumentRejection(string Parameter, object? Value, string Rule, bool OutOfRange = true)
{
    /// <summary>The key of <see cref="Exception.Data"/> under which the exception keeps its rejection.</summary>
    private const string DataKey = "Fluxgate.ArgumentRejection";

    /// <summary>The message of the exception: <c>Must be greater than 0 and at most 1.</c></summary>
    public string Message => $"Must be {Rule}.";

    /// <summary>Throws the exception this rejection describes.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Throw() => throw ToException();

    /// <summary>
    /// Creates the exception this rejection describes: exactly an <see cref="ArgumentOutOfRangeException"/> or an
    /// <see cref="ArgumentException"/> (callers match the type exactly), carrying the rejection in its <see cref="Exception.Data"/>.
    /// </summary>
    public ArgumentException ToException()
    {
        ArgumentException exception = OutOfRange
            ? new ArgumentOutOfRangeException(Parameter, Value, Message)
            : new ArgumentException($"{Message} The value is {Convert.ToString(Value, CultureInfo.InvariantCulture)}.", Parameter);
        exception.Data[DataKey] = this;
        return exception;
    }

    /// <summary>Returns the rejection an exception of <see cref="ToException"/> carries.</summary>
    public static ArgumentRejection? Of(Exception exception) => exception.Data[DataKey] as ArgumentRejection?;
}

/// <summary>The range checks the factories share; each returns <see langword="null"/> when the value is valid.</summary>
internal static class Rules
{
    public static ArgumentRejection? AtLeastOne(int value, string parameter) =>
        value >= 1 ? null : new(parameter, value, "at least 1");

    public static ArgumentRejection? Ratio(double value, string parameter) =>
        value > 0 && value <= 1 ? null : new(parameter, value, "greater than 0 and at most 1");

    public static ArgumentRejection? Probability(double value, string parameter) =>
        value >= 0 && value <= 1 ? null : new(parameter, value, "between 0 and 1");

    public static ArgumentRejection? Jitter(double value, string parameter) =>
        value >= 0 && value < 1 ? null : new(parameter, value, "at least 0 and less than 1");

    public static ArgumentRejection? Multiplier(double value, string parameter) =>
        value > 1 && !double.IsInfinity(value) ? null : new(parameter, value, "a finite number greater than 1");

    public static ArgumentRejection? Positive(TimeSpan value, string parameter) =>
        value > TimeSpan.Zero ? null : new(parameter, value, "greater than zero");
}
