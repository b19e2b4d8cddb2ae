using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Fluxgate.Simulator;

/// <summary>Writes a result as text files: the timeline (CSV), the transitions (CSV) and the summary (Markdown and JSON). Byte for byte the same for the same input.</summary>
internal static class Reports
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string TimelineCsv(SimulationResult result)
    {
        var text = new StringBuilder();
        text.Append("time_s,offered,incident,true_failure_rate,true_median_ms");
        foreach (var run in result.Runs)
        {
            var p = Slug(run.Policy.Name);
            text.Append(Invariant, $",{p}_state,{p}_admitted,{p}_rejected,{p}_failed,{p}_failure_rate,{p}_slow_rate,{p}_avg_ms");
        }

        text.Append('\n');
        for (var i = 0; i < result.Dependency.Count; i++)
        {
            var d = result.Dependency[i];
            text.Append(Invariant, $"{d.At.TotalSeconds:0.###},{d.Offered},{(d.Incident ? 1 : 0)},{d.FailureRate:0.###},{d.MedianLatency.TotalMilliseconds:0.#}");
            foreach (var run in result.Runs)
            {
                var r = run.Rows[i];
                text.Append(Invariant, $",{r.State.ToWireName()},{r.Admitted},{r.Rejected},{r.Failed},{Rate(r.FailureRate)},{Rate(r.SlowRate)},{(r.AvgDuration is { } avg ? avg.TotalMilliseconds.ToString("0.#", Invariant) : string.Empty)}");
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    public static string TransitionsCsv(SimulationResult result)
    {
        var text = new StringBuilder("policy,time_s,from,to\n");
        foreach (var run in result.Runs)
        {
            foreach (var t in run.Transitions)
            {
                text.Append(Invariant, $"{run.Policy.Name},{t.At.TotalSeconds:0.###},{t.From.ToWireName()},{t.To.ToWireName()}\n");
            }
        }

        return text.ToString();
    }

    public static string SummaryMarkdown(SimulationResult result)
    {
        var s = result.Scenario;
        var text = new StringBuilder();
        text.Append(Invariant, $"# {s.Name}\n\n");
        if (s.Description is { } description)
        {
            text.Append(Invariant, $"{description}\n\n");
        }

        text.Append(Invariant, $"{ScenarioReader.FormatDuration(s.Duration)} of traffic, {s.Traffic.Rate:0.##} calls/s ({s.Traffic.Arrivals}), seed {s.Seed}; {s.Dependency.Phases.Count(p => p.Incident)} incident(s).\n\n");
        text.Append("| policy | time to detect | calls lost while healthy | failed calls let through in incidents | time to full recovery | rejected | failed | availability | transitions |\n");
        text.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var run in result.Runs)
        {
            var m = run.Summary;
            text.Append(Invariant, $"| {run.Policy.Name} | {Detection(m)} | {m.LostWhileHealthy:N0} | {m.FailedDuringIncident:N0} | {Time(m.TimeToRecovery, m.Incidents == 0 ? "no incident" : "never closed")} | {m.Rejected:N0} | {m.Failed:N0} | {m.Availability * 100:0.00}% | {m.Transitions:N0} |\n");
        }

        text.Append("\nPolicies:\n\n");
        foreach (var run in result.Runs)
        {
            var p = run.Policy;
            text.Append(Invariant, $"- **{p.Name}**: window `{p.Window}`, tracker `{p.Tracker}`, tripper `{p.Tripper}`, retry `{p.Retry}`, permit `{p.Permit}`, max half-open calls {p.MaxHalfOpenCalls}\n");
        }

        return text.ToString();
    }

    public static string SummaryJson(SimulationResult result)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("scenario", result.Scenario.Name);
            json.WriteNumber("seed", result.Scenario.Seed);
            json.WriteNumber("duration_s", result.Scenario.Duration.TotalSeconds);
            json.WriteStartArray("policies");
            foreach (var run in result.Runs)
            {
                var m = run.Summary;
                json.WriteStartObject();
                json.WriteString("name", run.Policy.Name);
                json.WriteNumber("incidents_detected", m.Detected);
                json.WriteStartArray("incidents");
                foreach (var incident in m.Detections)
                {
                    json.WriteStartObject();
                    json.WriteNumber("number", incident.Number);
                    json.WriteNumber("from_s", Math.Round(incident.From.TotalSeconds, 3));
                    json.WriteNumber("to_s", Math.Round(incident.To.TotalSeconds, 3));
                    json.WriteBoolean("detected", incident.Detected);
                    WriteSeconds(json, "time_to_detect_s", incident.TimeToDetect);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteNumber("calls_lost_while_healthy", m.LostWhileHealthy);
                json.WriteNumber("failed_calls_during_incidents", m.FailedDuringIncident);
                WriteSeconds(json, "time_to_full_recovery_s", m.TimeToRecovery);
                json.WriteNumber("calls", m.Calls);
                json.WriteNumber("admitted", m.Admitted);
                json.WriteNumber("rejected", m.Rejected);
                json.WriteNumber("failed", m.Failed);
                json.WriteNumber("succeeded", m.Succeeded);
                json.WriteNumber("transitions", m.Transitions);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>A terminal rendering: the dependency's incidents and each policy's state, one character per column.</summary>
    public static string Terminal(SimulationResult result, int width = 100)
    {
        var rows = result.Dependency.Count;
        var columns = Math.Min(width, rows);
        var perColumn = rows / (double)columns;
        var text = new StringBuilder();
        var nameWidth = Math.Max(10, result.Runs.Max(r => r.Policy.Name.Length));
        AppendTimeAxis(text, nameWidth, columns, result.Scenario.Duration);
        text.Append("dependency".PadRight(nameWidth)).Append("  ");
        for (var c = 0; c < columns; c++)
        {
            var slice = Slice(c, perColumn, rows);
            text.Append(slice.Any(i => result.Dependency[i].Incident) ? '▇' : '·');
        }

        text.Append('\n');
        foreach (var run in result.Runs)
        {
            text.Append(run.Policy.Name.PadRight(nameWidth)).Append("  ");
            AppendStateBand(text, columns, perColumn, rows, i => run.Rows[i].State);
        }

        text.Append(' ', nameWidth + 2).Append("─ closed  ▒ half-open  █ open     dependency: ▇ incident  · healthy\n");
        return text.ToString();
    }

    /// <summary>Appends the time axis of a terminal chart: 0 under the first column, the duration ending under the last.</summary>
    internal static void AppendTimeAxis(StringBuilder text, int nameWidth, int columns, TimeSpan duration)
    {
        var end = ScenarioReader.FormatDuration(duration);
        text.Append(' ', nameWidth + 2).Append(Invariant, $"0{new string(' ', Math.Max(0, columns - 1 - end.Length))}{end}\n");
    }

    /// <summary>
    /// Appends one state band of a terminal chart and ends the line: per column, the most severe state of the rows it
    /// covers (an open moment is what the eye must see).
    /// </summary>
    internal static void AppendStateBand(StringBuilder text, int columns, double perColumn, int rows, Func<int, CircuitState> stateAt)
    {
        for (var c = 0; c < columns; c++)
        {
            text.Append(Slice(c, perColumn, rows).Select(stateAt).MaxBy(Severity) switch
            {
                CircuitState.Closed => '─',
                CircuitState.HalfOpen => '▒',
                CircuitState.Open or CircuitState.ForcedOpen => '█',
                _ => '~',
            });
        }

        text.Append('\n');
    }

    internal static int Severity(CircuitState state) => state switch
    {
        CircuitState.Open or CircuitState.ForcedOpen => 3,
        CircuitState.HalfOpen => 2,
        CircuitState.Closed => 1,
        _ => 0,
    };

    internal static string Slug(string name) => new([.. name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    internal static IEnumerable<int> Slice(int column, double perColumn, int rows)
    {
        var from = (int)(column * perColumn);
        var to = Math.Min(rows, Math.Max(from + 1, (int)((column + 1) * perColumn)));
        return Enumerable.Range(from, to - from);
    }

    /// <summary>Detection per incident: <c>2.4s</c> for one incident, <c>#1 not detected, #2 2.4s</c> for several, <c>no incident</c> for none.</summary>
    internal static string Detection(Summary summary) => summary.Detections switch
    {
        [] => "no incident",
        [var only] => Time(only.TimeToDetect, "not detected"),
        var many => string.Join(", ", many.Select(d => $"#{d.Number} {Time(d.TimeToDetect, "not detected")}")),
    };

    private static string Rate(double? rate) => rate is { } r ? r.ToString("0.###", Invariant) : string.Empty;

    internal static string Time(TimeSpan? time, string none) => time is { } t ? ScenarioReader.FormatDuration(t) : none;

    internal static void WriteSeconds(Utf8JsonWriter json, string name, TimeSpan? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, Math.Round(v.TotalSeconds, 3));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
