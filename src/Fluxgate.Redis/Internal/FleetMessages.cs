using System.Buffers;
using System.Text.Json;

namespace Fluxgate.Redis.Internal;

/// <summary>A breaker as one replica reports it.</summary>
internal readonly record struct BreakerReport(string Name, CircuitState State, long SinceMs, long Total, long Failures, bool Own);

/// <summary>A replica's heartbeat: its breakers, and when it sent them (its clock, Unix milliseconds).</summary>
internal sealed record ReplicaReport(string ReplicaId, long AtMs, IReadOnlyList<BreakerReport> Breakers);

/// <summary>A command as stored and published.</summary>
internal sealed record CommandMessage(string Breaker, FleetCommand Command, string Id, long AtMs, string By);

/// <summary>What a message read from Redis turned out to be; <see cref="Error"/> when it was refused.</summary>
internal readonly record struct ParsedMessage(ReplicaReport? State, string? Leaving, CommandMessage? Command, string? Error)
{
    public static ParsedMessage Refused(string error) => new(null, null, null, error);
}

/// <summary>
/// The wire format (version 1, JSON) of heartbeats, departures and commands, written and read without reflection. Everything
/// read is validated: a malformed or hostile payload is refused with a reason, never half-applied.
/// </summary>
internal static class FleetMessages
{
    /// <summary>The largest payload read: 1 MiB (a heartbeat of 1,000 breakers is about 100 KB).</summary>
    public const int MaxPayloadBytes = 1 << 20;

    /// <summary>The most breakers one heartbeat may report.</summary>
    public const int MaxBreakers = 10_000;

    /// <summary>The longest breaker name read.</summary>
    public const int MaxBreakerName = 400;

    private const int Version = 1;

    private static readonly string[] s_commandNames = ["force_open", "disable", "metrics_only", "reset"];

    public static string CommandName(FleetCommand command) => s_commandNames[(int)command];

    public static byte[] WriteState(ReplicaReport report)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("type", "state");
            json.WriteString("replica", report.ReplicaId);
            json.WriteNumber("at", report.AtMs);
            json.WriteStartArray("breakers");
            foreach (var breaker in report.Breakers)
            {
                json.WriteStartObject();
                json.WriteString("name", breaker.Name);
                json.WriteString("state", breaker.State.ToWireName());
                json.WriteNumber("since", breaker.SinceMs);
                json.WriteNumber("total", breaker.Total);
                json.WriteNumber("failures", breaker.Failures);
                json.WriteBoolean("own", breaker.Own);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] WriteLeave(string replicaId)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("type", "leave");
            json.WriteString("replica", replicaId);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] WriteCommand(CommandMessage command)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("v", Version);
            json.WriteString("type", "command");
            json.WriteString("breaker", command.Breaker);
            json.WriteString("command", CommandName(command.Command));
            json.WriteString("id", command.Id);
            json.WriteNumber("at", command.AtMs);
            json.WriteString("by", command.By);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a message; never throws.</summary>
    public static ParsedMessage Read(ReadOnlyMemory<byte> payload)
    {
        if (payload.Length is 0 or > MaxPayloadBytes)
        {
            return ParsedMessage.Refused(payload.Length == 0 ? "empty payload" : $"payload of {payload.Length} bytes, more than {MaxPayloadBytes}");
        }

        try
        {
            using var document = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 4 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParsedMessage.Refused("not a JSON object");
            }

            if (!root.TryGetProperty("v", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != Version)
            {
                return ParsedMessage.Refused("missing or unsupported version");
            }

            return String(root, "type") switch
            {
                "state" => ReadState(root),
                "leave" => Name(root, "replica") is { } leaving ? new ParsedMessage(null, leaving, null, null) : ParsedMessage.Refused("leave without a valid replica"),
                "command" => ReadCommand(root),
                var type => ParsedMessage.Refused($"unknown type '{Truncate(type)}'"),
            };
        }
        catch (JsonException exception)
        {
            return ParsedMessage.Refused($"invalid JSON ({exception.Message})");
        }
#pragma warning disable CA1031 // Never throws: a lone surrogate or invalid UTF-8 makes GetString throw InvalidOperationException, and hostile input may find others.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return ParsedMessage.Refused($"unreadable ({exception.GetType().Name})");
        }
    }

    private static ParsedMessage ReadState(JsonElement root)
    {
        if (Name(root, "replica") is not { } replica)
        {
            return ParsedMessage.Refused("state without a valid replica");
        }

        if (Number(root, "at") is not { } at || !root.TryGetProperty("breakers", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return ParsedMessage.Refused("state without 'at' or 'breakers'");
        }

        if (list.GetArrayLength() > MaxBreakers)
        {
            return ParsedMessage.Refused($"more than {MaxBreakers} breakers");
        }

        var breakers = new List<BreakerReport>(list.GetArrayLength());
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object
                || String(item, "name") is not { Length: > 0 and <= MaxBreakerName } name
                || String(item, "state") is not { } wire || !TryParseState(wire, out var state)
                || Number(item, "since") is not { } since
                || Number(item, "total") is not { } total
                || Number(item, "failures") is not { } failures || failures > total
                || !item.TryGetProperty("own", out var own) || own.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return ParsedMessage.Refused("a breaker entry is malformed");
            }

            if (!names.Add(name))
            {
                return ParsedMessage.Refused($"breaker '{Truncate(name)}' reported twice");
            }

            breakers.Add(new BreakerReport(name, state, since, total, failures, own.ValueKind == JsonValueKind.True && state is CircuitState.Open or CircuitState.HalfOpen));
        }

        return new ParsedMessage(new ReplicaReport(replica, at, breakers), null, null, null);
    }

    private static ParsedMessage ReadCommand(JsonElement root)
    {
        if (String(root, "breaker") is not { Length: > 0 and <= MaxBreakerName } breaker
            || String(root, "command") is not { } name || Array.IndexOf(s_commandNames, name) is var index && index < 0
            || String(root, "id") is not { Length: > 0 and <= 100 } id
            || Number(root, "at") is not { } at
            || Name(root, "by") is not { } by)
        {
            return ParsedMessage.Refused("a command is malformed");
        }

        return new ParsedMessage(null, null, new CommandMessage(breaker, (FleetCommand)index, id, at, by), null);
    }

    private static bool TryParseState(string wire, out CircuitState state)
    {
        foreach (var candidate in Enum.GetValues<CircuitState>())
        {
            if (candidate.ToWireName() == wire)
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Name(JsonElement element, string property) =>
        String(element, property) is { Length: > 0 and <= CircuitBreakerFleetOptions.MaxNameLength } name && CircuitBreakerFleetOptions.IsNameText(name) ? name : null;

    /// <summary>A non-negative whole number.</summary>
    private static long? Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0 ? number : null;

    /// <summary>For logs: at most 40 characters of text read from Redis, control characters (line breaks) replaced, so a payload cannot forge log lines.</summary>
    private static string Truncate(string? text)
    {
        if (text is null)
        {
            return "";
        }

        var shown = new string([.. text.Take(40).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
        return text.Length <= 40 ? shown : shown + "…";
    }
}
