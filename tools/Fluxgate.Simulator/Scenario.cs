using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Fluxgate.Simulator;

/// <summary>
/// What to replay: traffic, how the dependency behaves over time, and the breaker policies to compare. Read from JSON
/// or YAML; durations are written with a unit (<c>500ms</c>, <c>10s</c>, <c>5m</c>, <c>1h</c>), policies in the
/// configuration's expression syntax.
/// </summary>
internal sealed class Scenario
{
    public string Name { get; set; } = "scenario";

    public string? Description { get; set; }

    /// <summary>How much time to simulate.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The width of one row of the timeline (and one point of the chart).</summary>
    public TimeSpan Resolution { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Seeds arrivals, failures, latencies and the policies' random choices: same seed, same output.</summary>
    public int Seed { get; set; } = 1;

    public Traffic Traffic { get; set; } = new();

    public Dependency Dependency { get; set; } = new();

    public List<PolicySpec> Policies { get; set; } = [];

    /// <summary>Set for a fleet scenario: several replicas run the one policy, with and without the fleet's quorum.</summary>
    public FleetSpec? Fleet { get; set; }

    /// <summary>Checks every value and throws <see cref="ScenarioException"/> naming the first bad one.</summary>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(Name), "name", "must not be empty");
        Require(Duration > TimeSpan.Zero && Duration <= TimeSpan.FromDays(7), "duration", "must be between 1 ms and 7 days");
        Require(Resolution >= TimeSpan.FromMilliseconds(100) && Resolution <= Duration, "resolution", "must be at least 100ms and at most the duration");
        Require(Duration.Ticks / Resolution.Ticks <= 100_000, "resolution", "must give at most 100,000 rows (a coarser resolution for long scenarios)");
        Require(Traffic.Rate > 0 && Traffic.Rate <= 10_000, "traffic.rate", "must be between 0 and 10,000 calls per second");
        Require(Traffic.Arrivals is "poisson" or "uniform", "traffic.arrivals", "must be 'poisson' or 'uniform'");
        for (var i = 0; i < Traffic.Bursts.Count; i++)
        {
            var burst = Traffic.Bursts[i];
            Require(burst.For > TimeSpan.Zero, $"traffic.bursts[{i}].for", "must be positive");
            Require(burst.Rate > 0 && burst.Rate <= 10_000, $"traffic.bursts[{i}].rate", "must be between 0 and 10,000 calls per second");
        }

        Dependency.Validate("dependency");
        Require(Policies.Count is > 0 and <= 6, "policies", "must list between 1 and 6 policies");
        Require(Policies.Select(p => p.Name).Distinct(StringComparer.Ordinal).Count() == Policies.Count, "policies", "must have distinct names");
        for (var i = 0; i < Policies.Count; i++)
        {
            Require(!string.IsNullOrWhiteSpace(Policies[i].Name), $"policies[{i}].name", "must not be empty");
            Require(Policies[i].MaxHalfOpenCalls >= 1, $"policies[{i}].maxHalfOpenCalls", "must be at least 1");
        }

        if (Fleet is { } fleet)
        {
            Require(Policies.Count == 1, "policies", "must list exactly one policy in a fleet scenario (every replica runs it, with and without the quorum)");
            fleet.Validate("fleet", Dependency);
        }
        else
        {
            Require(Dependency.Phases.All(p => p.Replicas is null), "dependency.phases", "name 'replicas' only in a fleet scenario");
        }
    }

    internal static void Require(bool condition, string path, string rule)
    {
        if (!condition)
        {
            throw new ScenarioException($"{path}: {rule}.");
        }
    }
}

internal sealed class Traffic
{
    /// <summary>Calls per second outside bursts.</summary>
    public double Rate { get; set; } = 20;

    /// <summary><c>poisson</c> (random, exponential gaps) or <c>uniform</c> (evenly spaced, for exact reasoning).</summary>
    public string Arrivals { get; set; } = "poisson";

    public List<Burst> Bursts { get; set; } = [];

    public double RateAt(TimeSpan at)
    {
        foreach (var burst in Bursts)
        {
            if (at >= burst.At && at < burst.At + burst.For)
            {
                return burst.Rate;
            }
        }

        return Rate;
    }
}

internal sealed class Burst
{
    public TimeSpan At { get; set; }

    public TimeSpan For { get; set; }

    public double Rate { get; set; }
}

/// <summary>How the protected dependency answers: a baseline, and phases (incidents) that override it.</summary>
internal sealed class Dependency
{
    /// <summary>Share of calls that fail, outside phases.</summary>
    public double FailureRate { get; set; } = 0.01;

    public Latency Latency { get; set; } = new();

    /// <summary>The caller's timeout: a call slower than this fails with a TimeoutException after this long.</summary>
    public TimeSpan? Timeout { get; set; }

    public List<Phase> Phases { get; set; } = [];

    /// <summary>The phase in force at <paramref name="at"/>, if any (the first that covers it).</summary>
    public Phase? PhaseAt(TimeSpan at)
    {
        foreach (var phase in Phases)
        {
            if (at >= phase.From && at < phase.To)
            {
                return phase;
            }
        }

        return null;
    }

    public double FailureRateAt(TimeSpan at) => PhaseAt(at)?.FailureRate ?? FailureRate;

    public Latency LatencyAt(TimeSpan at) => PhaseAt(at)?.Latency ?? Latency;

    /// <summary>Whether the dependency is unwell at <paramref name="at"/>: inside a phase marked as an incident.</summary>
    public bool IsIncident(TimeSpan at) => PhaseAt(at)?.Incident ?? false;

    public void Validate(string path)
    {
        Scenario.Require(FailureRate is >= 0 and <= 1, $"{path}.failureRate", "must be between 0 and 1");
        Latency.Validate($"{path}.latency");
        Scenario.Require(Timeout is null || Timeout > TimeSpan.Zero, $"{path}.timeout", "must be positive");
        for (var i = 0; i < Phases.Count; i++)
        {
            var phase = Phases[i];
            var at = $"{path}.phases[{i}]";
            Scenario.Require(phase.To > phase.From && phase.From >= TimeSpan.Zero, $"{at}", "must have 0 ≤ from < to");
            Scenario.Require(phase.FailureRate is null or (>= 0 and <= 1), $"{at}.failureRate", "must be between 0 and 1");
            phase.Latency?.Validate($"{at}.latency");
        }
    }
}

/// <summary>A period in which the dependency behaves differently, e.g. an outage or a brownout.</summary>
internal sealed class Phase
{
    public string? Name { get; set; }

    public TimeSpan From { get; set; }

    public TimeSpan To { get; set; }

    /// <summary>Overrides the failure rate, when set.</summary>
    public double? FailureRate { get; set; }

    /// <summary>Overrides the latency, when set.</summary>
    public Latency? Latency { get; set; }

    /// <summary>Whether this phase is the dependency being unwell (counted in the summary figures); true by default.</summary>
    public bool Incident { get; set; } = true;

    /// <summary>Fleet scenarios: the replicas (numbered from 1) that see this phase; the others see the healthy dependency. All when absent.</summary>
    public List<int>? Replicas { get; set; }

    public bool Affects(int replica) => Replicas is null || Replicas.Contains(replica);
}

/// <summary>A fleet of replicas running one policy, joined (or not) by the fleet's quorum rule.</summary>
internal sealed class FleetSpec
{
    public int Replicas { get; set; } = 3;

    /// <summary>Calls per second of each replica; the traffic's rate for every replica when absent.</summary>
    public List<double>? Rates { get; set; }

    /// <summary>How often replicas publish their states (and so how late the fleet hears an open).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The fewest replicas that must have opened on their own evidence (at least 2).</summary>
    public int QuorumMinimum { get; set; } = 2;

    /// <summary>The share of the replicas that must have opened on their own evidence.</summary>
    public double QuorumFraction { get; set; } = 0.5;

    /// <summary>When Redis is away: the replicas cannot hear each other, and the fleet decides nothing.</summary>
    public List<RedisOutage> RedisOutages { get; set; } = [];

    /// <summary>The quorum among all the replicas, by the fleet's own rule.</summary>
    public int Quorum => new Fluxgate.Redis.Coordination.QuorumRule(QuorumMinimum, QuorumFraction).Of(Replicas);

    public bool RedisDownAt(TimeSpan at) => RedisOutages.Any(o => o.From <= at && at < o.To);

    public double RateOf(int replica, Traffic traffic) => Rates?[replica - 1] ?? traffic.Rate;

    public void Validate(string path, Dependency dependency)
    {
        Scenario.Require(Replicas is >= 2 and <= 20, $"{path}.replicas", "must be between 2 and 20");
        Scenario.Require(Rates is null || Rates.Count == Replicas, $"{path}.rates", "must give one rate per replica");
        Scenario.Require(Rates is null || Rates.All(r => r is > 0 and <= 10_000), $"{path}.rates", "must be between 0 and 10,000 calls per second");
        Scenario.Require(Heartbeat >= TimeSpan.FromMilliseconds(100), $"{path}.heartbeat", "must be at least 100ms");
        Scenario.Require(QuorumMinimum is >= 2 and <= 20, $"{path}.quorumMinimum", "must be between 2 and 20 (one replica alone never opens the others)");
        Scenario.Require(QuorumFraction is > 0 and <= 1, $"{path}.quorumFraction", "must be in (0, 1]");
        for (var i = 0; i < RedisOutages.Count; i++)
        {
            Scenario.Require(RedisOutages[i].From >= TimeSpan.Zero && RedisOutages[i].To > RedisOutages[i].From, $"{path}.redisOutages[{i}]", "must end after it begins");
        }

        for (var i = 0; i < dependency.Phases.Count; i++)
        {
            Scenario.Require(dependency.Phases[i].Replicas is null || dependency.Phases[i].Replicas!.All(r => r >= 1 && r <= Replicas), $"dependency.phases[{i}].replicas", $"must number replicas from 1 to {Replicas}");
        }
    }
}

/// <summary>A time when Redis is away, in a fleet scenario.</summary>
internal sealed class RedisOutage
{
    public TimeSpan From { get; set; }

    public TimeSpan To { get; set; }
}

/// <summary>A log-normal latency given by its median and 99th percentile (equal for a fixed latency).</summary>
internal sealed class Latency
{
    public TimeSpan Median { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The 99th percentile; three times the median when absent.</summary>
    public TimeSpan? P99 { get; set; }

    /// <summary>A latency from a standard normal draw <paramref name="z"/>.</summary>
    public TimeSpan Sample(double z)
    {
        var p99 = P99 ?? Median * 3;
        var sigma = Math.Log(p99.TotalMilliseconds / Median.TotalMilliseconds) / 2.3263478740408408;
        var milliseconds = Median.TotalMilliseconds * Math.Exp(sigma * z);
        return TimeSpan.FromTicks((long)Math.Round(Math.Min(milliseconds, 86_400_000) * TimeSpan.TicksPerMillisecond));
    }

    public void Validate(string path)
    {
        Scenario.Require(Median > TimeSpan.Zero, $"{path}.median", "must be positive");
        Scenario.Require(P99 is null || P99 >= Median, $"{path}.p99", "must be at least the median");
    }
}

/// <summary>A breaker policy, written like the configuration binding: each part an expression of the C# factories.</summary>
internal sealed class PolicySpec
{
    public string Name { get; set; } = "policy";

    public string Window { get; set; } = "Count(100)";

    public string Tracker { get; set; } = "All()";

    public string Tripper { get; set; } = "MinRequests(100) & FailureRate(0.5)";

    public string Retry { get; set; } = "Cooldown(60s)";

    public string Permit { get; set; } = "RampUp(0.1, 1.0, 60s)";

    public int MaxHalfOpenCalls { get; set; } = 10;

    public string Describe() => $"{Window}; {Tripper}; {Retry}; {Permit}";
}

/// <summary>A scenario that cannot be run; the message names the offending value.</summary>
internal sealed class ScenarioException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Reads scenarios from JSON or YAML, and the built-in ones by name.</summary>
internal static partial class ScenarioReader
{
    public static readonly string[] BuiltIn = ["hard-outage", "flapping", "slow-brownout", "partial-failure", "traffic-burst", "fleet-outage"];

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new DurationConverter(), new NullableDurationConverter() },
    };

    /// <summary>Reads a built-in scenario by name, or a file (.json, .yaml, .yml).</summary>
    public static Scenario Read(string nameOrPath)
    {
        if (Array.IndexOf(BuiltIn, nameOrPath) >= 0)
        {
            using var stream = typeof(ScenarioReader).Assembly.GetManifestResourceStream($"Scenarios.{nameOrPath}.json")!;
            using var reader = new StreamReader(stream);
            return Parse(reader.ReadToEnd(), yaml: false, nameOrPath);
        }

        if (!File.Exists(nameOrPath))
        {
            throw new ScenarioException($"No scenario file '{nameOrPath}', and no built-in scenario of that name ({string.Join(", ", BuiltIn)}).");
        }

        var yaml = Path.GetExtension(nameOrPath) is ".yaml" or ".yml";
        return Parse(File.ReadAllText(nameOrPath), yaml, nameOrPath);
    }

    public static Scenario Parse(string text, bool yaml, string source)
    {
        try
        {
            var json = yaml ? YamlToJson(text) : text;
            var scenario = JsonSerializer.Deserialize<Scenario>(json, s_json) ?? throw new ScenarioException($"{source}: the scenario is empty.");
            try
            {
                scenario.Validate();
            }
            catch (ScenarioException exception)
            {
                throw new ScenarioException($"{source}: {exception.Message}", exception);
            }

            return scenario;
        }
        catch (JsonException exception)
        {
            throw new ScenarioException($"{source}: {Describe(exception, yaml)}", exception);
        }
        catch (YamlDotNet.Core.YamlException exception)
        {
            throw new ScenarioException($"{source}: not valid YAML at line {exception.Start.Line}: {exception.Message}", exception);
        }
    }

    /// <summary>
    /// Says what is wrong in the scenario's own terms: the key (<c>policies[0].window</c>, not <c>$.policies[0].window</c>)
    /// and what was expected (a whole number, a duration with a unit), never a JSON token type or a .NET type name, since
    /// a YAML scenario has neither.
    /// </summary>
    internal static string Describe(JsonException exception, bool yaml)
    {
        var key = exception.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : exception.Path;
        var at = key is null ? string.Empty : $"{key}: ";
        if (exception.InnerException is null && exception.Message is { } own && !own.Contains("JSON", StringComparison.Ordinal) && !own.Contains("System.", StringComparison.Ordinal))
        {
            // Our own converters' messages (durations) are already written for people.
            return at + own;
        }

        var message = exception.Message;
        if (UnknownMemberPattern().Match(message) is { Success: true } unknown)
        {
            // The path ends with the unknown key itself: name the section that holds it.
            var name = unknown.Groups[1].Value;
            var section = key is null || key == name ? null : key.EndsWith("." + name, StringComparison.Ordinal) ? key[..^(name.Length + 1)] : key;
            return $"{(section is null ? string.Empty : section + ": ")}unknown key '{name}'.";
        }

        var expected = TargetTypePattern().Match(message) is { Success: true } target
            ? target.Groups[1].Value switch
            {
                "System.Int32" or "System.Int64" or "System.Nullable`1[System.Int32]" => "a whole number",
                "System.Double" or "System.Nullable`1[System.Double]" => "a number",
                "System.Boolean" => "true or false",
                "System.String" => "text",
                var other when other.Contains("List", StringComparison.Ordinal) || other.EndsWith("[]", StringComparison.Ordinal) => "a list",
                _ => "a section of keys",
            }
            : "a value of another kind";
        return $"{at}expected {expected}{(yaml ? string.Empty : " (check the quotes and brackets)")}.";
    }

    /// <summary>Parses <c>500ms</c>, <c>10s</c>, <c>1.5m</c>, <c>2h</c> with the core's one reader of durations (<see cref="DurationText"/>).</summary>
    public static TimeSpan ParseDuration(string text) => DurationText.TryParse(text, out var duration) && duration >= TimeSpan.Zero
        ? duration
        : throw new FormatException($"'{text}' is not a duration: write a number and a unit (ms, s, m or h), e.g. 500ms, 10s, 5m.");

    public static string FormatDuration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1 => $"{duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms",
        < 120 => $"{duration.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)}s",
        < 7200 => $"{duration.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)}m",
        _ => $"{duration.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)}h",
    };

    /// <summary>Converts YAML to JSON with YAML's core schema: plain scalars that are numbers, booleans or null keep their type.</summary>
    private static string YamlToJson(string yaml)
    {
        var stream = new YamlDotNet.RepresentationModel.YamlStream();
        stream.Load(new StringReader(yaml));
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (stream.Documents.Count == 0)
            {
                json.WriteNullValue();
            }
            else
            {
                Write(json, stream.Documents[0].RootNode);
            }
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, YamlDotNet.RepresentationModel.YamlNode node)
    {
        switch (node)
        {
            case YamlDotNet.RepresentationModel.YamlMappingNode mapping:
                json.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    json.WritePropertyName(((YamlDotNet.RepresentationModel.YamlScalarNode)key).Value ?? string.Empty);
                    Write(json, value);
                }

                json.WriteEndObject();
                break;
            case YamlDotNet.RepresentationModel.YamlSequenceNode sequence:
                json.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(json, item);
                }

                json.WriteEndArray();
                break;
            case YamlDotNet.RepresentationModel.YamlScalarNode scalar:
                var text = scalar.Value ?? string.Empty;
                if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
                {
                    json.WriteStringValue(text);
                }
                else if (text is "true" or "false")
                {
                    json.WriteBooleanValue(text == "true");
                }
                else if (text is "null" or "~" or "")
                {
                    json.WriteNullValue();
                }
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && !text.Any(char.IsLetter))
                {
                    json.WriteRawValue(text);
                }
                else
                {
                    json.WriteStringValue(text);
                }

                break;
        }
    }

    [GeneratedRegex(@"could not be converted to ([^\s.]+(?:\.[^\s.]+)*)\.? ", RegexOptions.CultureInvariant)]
    private static partial Regex TargetTypePattern();

    [GeneratedRegex(@"property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnknownMemberPattern();

    private sealed class DurationConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType == JsonTokenType.Number)
            {
                // "duration: 30": seconds, minutes? Say which units exist rather than guess.
                var number = reader.GetDouble().ToString(CultureInfo.InvariantCulture);
                throw new JsonException($"'{number}' has no unit: write a duration with one, e.g. {number}s or {number}m (units: ms, s, m, h).");
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException("expected a duration with a unit, e.g. 10s, 500ms or 5m.");
            }

            try
            {
                return ParseDuration(reader.GetString() ?? string.Empty);
            }
            catch (FormatException exception)
            {
                throw new JsonException(exception.Message);
            }
        }

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) => writer.WriteStringValue(FormatDuration(value));
    }

    private sealed class NullableDurationConverter : JsonConverter<TimeSpan?>
    {
        private readonly DurationConverter _inner = new();

        public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? null : _inner.Read(ref reader, typeof(TimeSpan), options);

        public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
        {
            if (value is { } duration)
            {
                _inner.Write(writer, duration, options);
            }
            else
            {
                writer.WriteNullValue();
            }
        }
    }
}
