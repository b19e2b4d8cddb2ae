using System.Buffers;
using System.Text.Json;

namespace Fluxgate.Redis.Internal;

/// <summary>A breaker as one replica reports it.</summary>
/// <param name="Name">The breaker's name.</param>
/// <param name="State">Its state.</param>
/// <param name="SinceMs">When it entered that state (the replica's clock, Unix milliseconds).</param>
/// <param name="Cause">Why it entered that state.</param>
/// <param name="Total">The calls that explain the state: when open or half-open, those of the period that opened it; otherwise the window's.</param>
/// <param name="Failures">The failures among them.</param>
/// <param name="Own">Whether it is open or half-open on its own evidence (counts towards a quorum).</param>
/// <param name="Policy">Its policy as configuration writes it.</param>
internal readonly record struct BreakerReport(string Name, CircuitState State, long SinceMs, TransitionCause Cause, long Total, long Failures, bool Own, string Policy);

/// <summary>A replica's heartbeat: its breakers, and when it sent them (its clock, Unix milliseconds).</summary>
/// <param name="ReplicaId">The replica.</param>
/// <param name="AtMs">When it sent it (its clock, Unix milliseconds).</param>
/// <param name="Breakers">Its breakers.</param>
/// <param name="Round">The heartbeat's number at its sender: an echo of a round sent before a failure proves nothing of the channel now.</param>
/// <param name="Incarnation">The sender's process (drawn at random when its fleet is created; 0 from senders that do not say): rounds compare only within one.</param>
internal sealed record ReplicaReport(string ReplicaId, long AtMs, IReadOnlyList<BreakerReport> Breakers, long Round = 0, long Incarnation = 0);

/// <summary>A command as stored and published.</summary>
/// <param name="Breaker">The breaker's name.</param>
/// <param name="Command">What to do.</param>
/// <param name="Id">Unique per command: a copy heard again (its echo, a stored read) is a duplicate.</param>
/// <param name="AtMs">When it was given (the issuer's clock, Unix milliseconds).</param>
/// <param name="By">The issuer's replica id.</param>
/// <param name="Incarnation">The issuer's process (0 from issuers that do not say): its own echo is never applied again there.</param>
internal sealed record CommandMessage(string Breaker, FleetCommand Command, string Id, long AtMs, string By, long Incarnation = 0);

/// <summary>What a message read from Redis turned out to be; <see cref="Error"/> when it was refused.</summary>
internal readonly record struct ParsedMessage(ReplicaReport? State, string? Leaving, CommandMessage? Command, string? Error)
{
    public static ParsedMessage Refused(string error) => new(null, null, null, error);
}

/// <summary>
/// The wire format (version 2, JSON) of heartbeats, departures and commands, written and read without reflection. Everything
/// read is validated: a malformed or hostile payload is refused with a reason, never half-applied.
/// </summary>
internal static class FleetMessages
{
    /// <summary>The largest payload read: 4 MiB (a heartbeat of 1,000 breakers with their policies is about 250 KB).</summary>
    public const int MaxPayloadBytes = 4 << 20;

    /// <summary>The most breakers one heartbeat may report.</summary>
    public const int MaxBreakers = 10_000;

    /// <summary>The longest breaker name read.</summary>
    public const int MaxBreakerName = 400;

    /// <summary>The longest policy text read.</summary>
    public const int MaxPolicy = 2_000;

    /// <summary>The wire format's version: 2 added the cause and the policy of each breaker.</summary>
    public const int Version = 2;

    public static string CommandName(FleetCommand command) => command.ToWireName();

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
            json.WriteNumber("round", report.Round);
            json.WriteNumber("incarnation", report.Incarnation);
            json.WriteStartArray("breakers");
            foreach (var breaker in report.Breakers)
            {
                json.WriteStartObject();
                json.WriteString("name", breaker.Name);
                json.WriteString("state", breaker.State.ToWireName());
                json.WriteNumber("since", breaker.SinceMs);
                json.WriteString("cause", breaker.Cause.ToWireName());
                json.WriteNumber("total", breaker.Total);
                json.WriteNumber("failures", breaker.Failures);
                json.WriteBoolean("own", breaker.Own);
                json.WriteString("policy", breaker.Policy);
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
            json.WriteNumber("incarnation", command.Incarnation);
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
                || String(item, "cause") is not { } causeName || !TryParseCause(causeName, out var cause)
                || String(item, "policy") is not { Length: <= MaxPolicy } policy
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

            breakers.Add(new BreakerReport(name, state, since, cause, total, failures, own.ValueKind == JsonValueKind.True && state is CircuitState.Open or CircuitState.HalfOpen, policy));
        }

        return new ParsedMessage(new ReplicaReport(replica, at, breakers, Number(root, "round") ?? 0, Number(root, "incarnation") ?? 0), null, null, null);
    }

    private static ParsedMessage ReadCommand(JsonElement root)
    {
        if (String(root, "breaker") is not { Length: > 0 and <= MaxBreakerName } breaker
            || !FleetCommandExtensions.TryParseWireName(String(root, "command"), out var parsedCommand)
            || String(root, "id") is not { Length: > 0 and <= 100 } id
            || Number(root, "at") is not { } at
            || Name(root, "by") is not { } by)
        {
            return ParsedMessage.Refused("a command is malformed");
        }

        return new ParsedMessage(null, null, new CommandMessage(breaker, parsedCommand, id, at, by, Number(root, "incarnation") ?? 0), null);
    }

    private static bool TryParseState(string wire, out CircuitState state) => CircuitStateExtensions.TryParseWireName(wire, out state);

    private static bool TryParseCause(string wire, out TransitionCause cause)
    {
        for (var candidate = TransitionCause.None; candidate <= TransitionCause.Manual; candidate++)
        {
            if (candidate.ToWireName() == wire)
            {
                cause = candidate;
                return true;
            }
        }

        cause = default;
        return false;
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Name(JsonElement element, string property) =>
        String(element, property) is { Length: > 0 and <= CircuitBreakerFleetOptions.MaxNameLength } name && CircuitBreakerFleetOptions.IsNameText(name) ? name : null;

    /// <summary>A non-negative whole number.</summary>
    private static long? Number(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0 ? number : null;

    /// <summary>For logs: at most <paramref name="length"/> characters of text read from Redis, control characters (line breaks) replaced, so a payload cannot forge log lines.</summary>
    public static string Truncate(string? text, int length = 40)
    {
        if (text is null)
        {
            return "";
        }

        var shown = new string([.. text.Take(length).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c)]);
        return text.Length <= length ? shown : shown + "…";
    }
}
