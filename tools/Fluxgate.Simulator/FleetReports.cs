using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Fluxgate.Simulator;

/// <summary>The outputs of a fleet scenario: summary (Markdown, JSON), a terminal rendering and a chart, each replica with and without the quorum.</summary>
internal static class FleetReports
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string SummaryMarkdown(FleetResult result)
    {
        var s = result.Scenario;
        var fleet = s.Fleet!;
        var policy = s.Policies[0];
        var text = new StringBuilder();
        text.Append(Invariant, $"# {s.Name}\n\n");
        if (s.Description is { } description)
        {
            text.Append(Invariant, $"{description}\n\n");
        }

        text.Append(Invariant, $"{ScenarioReader.FormatDuration(s.Duration)} of traffic, {fleet.Replicas} replicas ({string.Join(", ", Enumerable.Range(1, fleet.Replicas).Select(r => $"{fleet.RateOf(r, s.Traffic):0.##}"))} calls/s), seed {s.Seed}; quorum {fleet.Quorum} of {fleet.Replicas}, heartbeat {ScenarioReader.FormatDuration(fleet.Heartbeat)}.\n\n");
        text.Append("| replica | sees | time to detect, independent | with the quorum | failed calls in incidents, independent | with the quorum | calls lost while healthy, independent | with the quorum | opened by the quorum |\n");
        text.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        var (alone, joined) = (result.Modes[0], result.Modes[1]);
        for (var i = 0; i < fleet.Replicas; i++)
        {
            var (a, j) = (alone.Replicas[i], joined.Replicas[i]);
            text.Append(Invariant, $"| {i + 1} | {Sees(s, i + 1)} | {Detection(a)} | {Detection(j)} | {a.FailedInIncidents:N0} | {j.FailedInIncidents:N0} | {a.LostWhileHealthy:N0} | {j.LostWhileHealthy:N0} | {j.FleetOpens} |\n");
        }

        text.Append(Invariant, $"| **all** | | | | **{alone.FailedInIncidents:N0}** | **{joined.FailedInIncidents:N0}** | **{alone.LostWhileHealthy:N0}** | **{joined.LostWhileHealthy:N0}** | |\n\n");
        text.Append(Invariant, $"With the quorum the fleet let {joined.FailedInIncidents:N0} failed calls through during incidents instead of {alone.FailedInIncidents:N0}, and rejected {joined.LostWhileHealthy:N0} calls while the dependency was healthy for the replica instead of {alone.LostWhileHealthy:N0}.\n\n");
        text.Append(Invariant, $"Policy: window `{policy.Window}`, tracker `{policy.Tracker}`, tripper `{policy.Tripper}`, retry `{policy.Retry}`, permit `{policy.Permit}`, max half-open calls {policy.MaxHalfOpenCalls}.\n");
        return text.ToString();
    }

    public static string SummaryJson(FleetResult result)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("scenario", result.Scenario.Name);
            json.WriteNumber("seed", result.Scenario.Seed);
            json.WriteNumber("quorum", result.Scenario.Fleet!.Quorum);
            json.WriteStartArray("modes");
            foreach (var mode in result.Modes)
            {
                json.WriteStartObject();
                json.WriteString("name", mode.Name);
                json.WriteNumber("failed_calls_during_incidents", mode.FailedInIncidents);
                json.WriteNumber("calls_lost_while_healthy", mode.LostWhileHealthy);
                json.WriteStartArray("replicas");
                foreach (var replica in mode.Replicas)
                {
                    json.WriteStartObject();
                    json.WriteNumber("replica", replica.Number);
                    json.WriteStartArray("time_to_detect_s");
                    foreach (var detection in replica.Detections)
                    {
                        if (detection is { } d)
                        {
                            json.WriteNumberValue(Math.Round(d.TotalSeconds, 3));
                        }
                        else
                        {
                            json.WriteNullValue();
                        }
                    }

                    json.WriteEndArray();
                    json.WriteNumber("failed_calls_during_incidents", replica.FailedInIncidents);
                    json.WriteNumber("calls_lost_while_healthy", replica.LostWhileHealthy);
                    json.WriteNumber("failed", replica.Failed);
                    json.WriteNumber("succeeded", replica.Succeeded);
                    json.WriteNumber("opened_by_the_quorum", replica.FleetOpens);
                    json.WriteNumber("transitions", replica.Transitions.Count);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string Terminal(FleetResult result, int width = 100)
    {
        var s = result.Scenario;
        var rows = result.Modes[0].Replicas[0].Rows.Length;
        var columns = Math.Min(width, rows);
        var perColumn = rows / (double)columns;
        var text = new StringBuilder();
        const int NameWidth = 18;
        Reports.AppendTimeAxis(text, NameWidth, columns, s.Duration);
        text.Append("incident seen by\n");
        for (var r = 1; r <= s.Fleet!.Replicas; r++)
        {
            text.Append($"  replica {r}".PadRight(NameWidth)).Append("  ");
            for (var c = 0; c < columns; c++)
            {
                var at = s.Resolution * Reports.Slice(c, perColumn, rows).First();
                text.Append(s.Dependency.PhaseAt(at) is { Incident: true } phase && phase.Affects(r) ? '▇' : '·');
            }

            text.Append('\n');
        }

        if (s.Fleet.RedisOutages.Count > 0)
        {
            text.Append("  redis".PadRight(NameWidth)).Append("  ");
            for (var c = 0; c < columns; c++)
            {
                text.Append(s.Fleet.RedisDownAt(s.Resolution * Reports.Slice(c, perColumn, rows).First()) ? 'x' : ' ');
            }

            text.Append('\n');
        }

        foreach (var mode in result.Modes)
        {
            text.Append(mode.Name).Append('\n');
            foreach (var replica in mode.Replicas)
            {
                text.Append($"  replica {replica.Number}".PadRight(NameWidth)).Append("  ");
                var band = new StringBuilder();
                Reports.AppendStateBand(band, columns, perColumn, rows, i => replica.Rows[i]);

                // Columns where the quorum had opened the replica (rather than its own tripper) are drawn ▓.
                for (var c = 0; c < columns; c++)
                {
                    if (band[c] == '█' && Reports.Slice(c, perColumn, rows).Any(i => replica.FleetRows[i]))
                    {
                        band[c] = '▓';
                    }
                }

                text.Append(band);
            }
        }

        text.Append(' ', NameWidth + 2).Append("─ closed  ▒ half-open  █ open  ▓ opened by the quorum   ▇ the replica sees an incident  · healthy");
        text.Append(s.Fleet.RedisOutages.Count > 0 ? "  x Redis away\n" : "\n");
        return text.ToString();
    }

    /// <summary>The picture: which replica sees an incident when, then each replica's state band, independent and with the quorum.</summary>
    public static string Svg(FleetResult result)
    {
        var s = result.Scenario;
        var replicas = s.Fleet!.Replicas;
        var rows = result.Modes[0].Replicas[0].Rows.Length;
        const double Left = 150, Plot = 800, Band = 14, Gap = 4, Top = 40;
        var height = Top + (((replicas * 3) + 1) * (Band + Gap)) + (3 * 28) + 40;
        double X(int row) => Left + (Plot * row / rows);
        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Left + Plot + 20}\" height=\"{height:0}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(Invariant, $"<text x=\"{Left}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{WebUtility.HtmlEncode(s.Name)}: {replicas} replicas, quorum {s.Fleet.Quorum}</text>\n");
        var y = Top;

        void Section(string title)
        {
            y += 18;
            svg.Append(Invariant, $"<text x=\"10\" y=\"{y:0}\" font-weight=\"bold\">{WebUtility.HtmlEncode(title)}</text>\n");
            y += 10;
        }

        Section("incident seen by");
        for (var r = 1; r <= replicas; r++)
        {
            svg.Append(Invariant, $"<text x=\"20\" y=\"{y + 11:0}\">replica {r}</text>\n");
            for (var row = 0; row < rows; row++)
            {
                var at = s.Resolution * row;
                var seen = s.Dependency.PhaseAt(at) is { Incident: true } phase && phase.Affects(r);
                svg.Append(Invariant, $"<rect x=\"{X(row):0.##}\" y=\"{y:0}\" width=\"{X(row + 1) - X(row) + 0.05:0.##}\" height=\"{Band}\" fill=\"{(seen ? "#7f7f7f" : "#eeeeee")}\"/>\n");
            }

            y += Band + Gap;
        }

        if (s.Fleet.RedisOutages.Count > 0)
        {
            svg.Append(Invariant, $"<text x=\"20\" y=\"{y + 11:0}\">Redis away</text>\n");
            foreach (var outage in s.Fleet.RedisOutages)
            {
                var (from, to) = ((int)(outage.From.Ticks / s.Resolution.Ticks), (int)Math.Min(rows, Math.Ceiling(outage.To.Ticks / (double)s.Resolution.Ticks)));
                svg.Append(Invariant, $"<rect x=\"{X(from):0.##}\" y=\"{y:0}\" width=\"{X(to) - X(from):0.##}\" height=\"{Band}\" fill=\"#5c6bc0\"/>\n");
            }

            y += Band + Gap;
        }

        foreach (var mode in result.Modes)
        {
            Section(mode.Name);
            foreach (var replica in mode.Replicas)
            {
                svg.Append(Invariant, $"<text x=\"20\" y=\"{y + 11:0}\">replica {replica.Number}</text>\n");
                var start = 0;
                for (var row = 1; row <= rows; row++)
                {
                    // One rectangle per run of equal states keeps the file small.
                    if (row == rows || replica.Rows[row] != replica.Rows[start] || replica.FleetRows[row] != replica.FleetRows[start])
                    {
                        var fill = replica.FleetRows[start] && replica.Rows[start] == CircuitState.Open ? "#8e24aa" : Colour(replica.Rows[start]);
                        svg.Append(Invariant, $"<rect x=\"{X(start):0.##}\" y=\"{y:0}\" width=\"{X(row) - X(start):0.##}\" height=\"{Band}\" fill=\"{fill}\"/>\n");
                        start = row;
                    }
                }

                svg.Append(Invariant, $"<text x=\"{Left + Plot + 4}\" y=\"{y + 11:0}\" font-size=\"10\">{replica.FailedInIncidents}</text>\n");
                y += Band + Gap;
            }
        }

        y += 16;
        svg.Append(Invariant, $"<text x=\"{Left}\" y=\"{y:0}\">green closed · orange half-open · red open · purple opened by the quorum · grey: the replica sees an incident{(s.Fleet.RedisOutages.Count > 0 ? " · blue: Redis away" : "")} · right: failed calls in incidents</text>\n");
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Colour(CircuitState state) => state switch
    {
        CircuitState.Closed => "#4caf50",
        CircuitState.HalfOpen => "#ff9800",
        CircuitState.Open or CircuitState.ForcedOpen => "#e53935",
        _ => "#9e9e9e",
    };

    private static string Sees(Scenario scenario, int replica)
    {
        var seen = scenario.Dependency.Phases.Where(p => p.Incident && p.Affects(replica)).Select(p => p.Name ?? "incident").ToList();
        return seen.Count == 0 ? "nothing" : string.Join(", ", seen);
    }

    private static string Detection(ReplicaSummary replica) => replica.Detections switch
    {
        [] => "–",
        [var only] => Reports.Time(only, "not detected"),
        var many => string.Join(", ", many.Select((d, i) => $"#{i + 1} {Reports.Time(d, "not detected")}")),
    };
}
