using System.Globalization;
using System.Xml.Linq;

namespace Fluxgate.Simulator;

/// <summary>
/// Draws a result as one SVG: the dependency's true health (incidents shaded, offered load, true failure rate, median
/// latency) above one panel per policy (its state as a colour band, the calls it admitted, rejected and saw fail, and the
/// failure rate its window saw), on a shared time axis, so policies compare at a glance.
/// </summary>
internal static class SvgChart
{
    private const double Width = 1100;
    private const double Left = 170;
    private const double Right = 70;
    private const double Top = 78;
    private const double DependencyHeight = 90;
    private const double BandHeight = 14;
    private const double PolicyHeight = 96;
    private const double PanelGap = 46;
    private const int MaxPoints = 900;

    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly Dictionary<CircuitState, string> StateColors = new()
    {
        [CircuitState.Closed] = "#3fa34d",
        [CircuitState.Open] = "#d64545",
        [CircuitState.HalfOpen] = "#f0a030",
        [CircuitState.MetricsOnly] = "#4a7fd4",
        [CircuitState.Disabled] = "#9a9a9a",
        [CircuitState.ForcedOpen] = "#8b1a1a",
    };

    public static string Render(SimulationResult result)
    {
        var scenario = result.Scenario;
        var rows = result.Dependency.Count;
        var plotWidth = Width - Left - Right;
        var height = Top + DependencyHeight + PanelGap + (result.Runs.Count * (BandHeight + 6 + PolicyHeight + PanelGap)) + 56;
        double X(double row) => Left + (row / rows * plotWidth);
        var maxCalls = Math.Max(1, Downsample(result.Dependency.Select(d => (double)d.Offered).ToArray(), rows).Max());

        var root = new XElement(
            Svg + "svg",
            new XAttribute("width", F(Width)),
            new XAttribute("height", F(height)),
            new XAttribute("viewBox", $"0 0 {F(Width)} {F(height)}"),
            new XAttribute("font-family", "Helvetica, Arial, sans-serif"),
            new XAttribute("font-size", "12"),
            new XElement(Svg + "rect", new XAttribute("width", "100%"), new XAttribute("height", "100%"), new XAttribute("fill", "#ffffff")),
            Text(Left, 26, scenario.Name, ("font-size", "18"), ("font-weight", "bold")),
            Text(Left, 46, scenario.Description ?? string.Empty, ("fill", "#444444")),
            Text(Left, 62, string.Create(Invariant, $"{ScenarioReader.FormatDuration(scenario.Duration)} simulated, {scenario.Traffic.Rate:0.##} calls/s ({scenario.Traffic.Arrivals} arrivals), seed {scenario.Seed}; each policy runs the real Fluxgate CircuitBreaker on a virtual clock"), ("fill", "#777777"), ("font-size", "11")));

        // Incidents shade the whole height, behind every panel.
        var incidentIndex = 0;
        foreach (var phase in scenario.Dependency.Phases.Where(p => p.Incident))
        {
            var from = X(phase.From.Ticks / (double)scenario.Resolution.Ticks);
            var to = X(Math.Min(phase.To.Ticks, scenario.Duration.Ticks) / (double)scenario.Resolution.Ticks);
            root.Add(new XElement(
                Svg + "rect",
                new XAttribute("id", $"incident-{incidentIndex++}"),
                new XAttribute("x", F(from)),
                new XAttribute("y", F(Top - 8)),
                new XAttribute("width", F(Math.Max(1, to - from))),
                new XAttribute("height", F(height - Top - 30)),
                new XAttribute("fill", "#fbe3e3")));
            if (phase.Name is { } name)
            {
                root.Add(Text(from + 3, Top + 4, name, ("fill", "#b03030"), ("font-size", "10")));
            }
        }

        // The dependency panel.
        var y0 = Top + 8;
        root.Add(Text(10, y0 + 14, "dependency", ("font-weight", "bold")));
        root.Add(Text(10, y0 + 30, "(true health)", ("fill", "#666666"), ("font-size", "10")));
        root.Add(Frame(y0, DependencyHeight));
        var offered = Downsample(result.Dependency.Select(d => (double)d.Offered).ToArray(), rows);
        root.Add(Area("dependency-offered", offered, rows, X, y0, DependencyHeight, maxCalls, "#cfdbe8"));
        var failure = Downsample(result.Dependency.Select(d => d.FailureRate).ToArray(), rows);
        root.Add(Line("dependency-failure-rate", failure, rows, X, y0, DependencyHeight, 1, "#c62828", 1.6, dashed: false));
        var latencies = result.Dependency.Select(d => d.MedianLatency.TotalMilliseconds).ToArray();
        var maxLatency = Math.Max(1, latencies.Max());
        root.Add(Line("dependency-latency", Downsample(latencies, rows), rows, X, y0, DependencyHeight, maxLatency, "#7b3fa0", 1.4, dashed: true));
        root.Add(Text(Width - Right + 6, y0 + 10, "100%", ("fill", "#c62828"), ("font-size", "10")));
        root.Add(Text(Width - Right + 6, y0 + 24, string.Create(Invariant, $"{maxLatency:0}ms"), ("fill", "#7b3fa0"), ("font-size", "10")));
        root.Add(Text(Left - 6, y0 + 10, string.Create(Invariant, $"{maxCalls:0}/s"), ("text-anchor", "end"), ("fill", "#888888"), ("font-size", "10")));

        // One panel per policy.
        var y = y0 + DependencyHeight + PanelGap;
        for (var p = 0; p < result.Runs.Count; p++)
        {
            var run = result.Runs[p];
            var summary = run.Summary;
            root.Add(Text(10, y + 11, run.Policy.Name, ("font-weight", "bold")));
            root.Add(Text(10, y + 28, string.Create(Invariant, $"detect {Reports.Detection(summary)}"), ("fill", "#555555"), ("font-size", "10")));
            root.Add(Text(10, y + 42, string.Create(Invariant, $"recover {Short(summary.TimeToRecovery)}"), ("fill", "#555555"), ("font-size", "10")));
            root.Add(Text(10, y + 56, string.Create(Invariant, $"lost {summary.LostWhileHealthy:N0}, failed {summary.FailedDuringIncident:N0}"), ("fill", "#555555"), ("font-size", "10")));
            root.Add(Text(Left, y - 6, $"{run.Policy.Tripper}  ·  {run.Policy.Retry}  ·  {run.Policy.Permit}  ·  {run.Policy.Window}", ("fill", "#666666"), ("font-size", "10")));
            root.Add(StateBand($"policy-{p}-state", run.Transitions, scenario, X, y));
            var chartTop = y + BandHeight + 6;
            root.Add(Frame(chartTop, PolicyHeight));
            var admitted = Downsample(run.Rows.Select(r => (double)r.Admitted).ToArray(), rows);
            var rejected = Downsample(run.Rows.Select(r => (double)(r.Admitted + r.Rejected)).ToArray(), rows);
            root.Add(Area($"policy-{p}-rejected", rejected, rows, X, chartTop, PolicyHeight, maxCalls, "#c9c9c9"));
            root.Add(Area($"policy-{p}-admitted", admitted, rows, X, chartTop, PolicyHeight, maxCalls, "#8fd19e"));
            root.Add(Line($"policy-{p}-failed", Downsample(run.Rows.Select(r => (double)r.Failed).ToArray(), rows), rows, X, chartTop, PolicyHeight, maxCalls, "#c62828", 1.3, dashed: false));
            root.Add(Line($"policy-{p}-failure-rate", Downsample(run.Rows.Select(r => r.FailureRate ?? 0).ToArray(), rows), rows, X, chartTop, PolicyHeight, 1, "#222222", 1.1, dashed: true));
            root.Add(Text(Width - Right + 6, chartTop + 10, "100%", ("fill", "#222222"), ("font-size", "10")));
            root.Add(Text(Left - 6, chartTop + 10, string.Create(Invariant, $"{maxCalls:0}/s"), ("text-anchor", "end"), ("fill", "#888888"), ("font-size", "10")));
            y = chartTop + PolicyHeight + PanelGap;
        }

        root.Add(Axis(scenario, X, y - PanelGap + 4, rows));
        root.Add(Legend(y - PanelGap + 34));
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root.ToString(SaveOptions.None) + "\n";
    }

    /// <summary>The state as a colour band, drawn from the exact transitions (even a tenth of a second half-open shows).</summary>
    private static XElement StateBand(string id, IReadOnlyList<Transition> transitions, Scenario scenario, Func<double, double> x, double y)
    {
        var group = new XElement(Svg + "g", new XAttribute("id", id));
        double Row(TimeSpan at) => Math.Min(at.Ticks, scenario.Duration.Ticks) / (double)scenario.Resolution.Ticks;
        var state = CircuitState.Closed;
        var from = TimeSpan.Zero;
        foreach (var transition in transitions.Where(t => t.At < scenario.Duration).Append(new Transition(scenario.Duration, CircuitState.Closed, CircuitState.Closed)))
        {
            group.Add(new XElement(
                Svg + "rect",
                new XAttribute("x", F(x(Row(from)))),
                new XAttribute("y", F(y)),
                new XAttribute("width", F(Math.Max(0.5, x(Row(transition.At)) - x(Row(from))))),
                new XAttribute("height", F(BandHeight)),
                new XAttribute("fill", StateColors[state]),
                new XElement(Svg + "title", state.ToWireName())));
            state = transition.To;
            from = transition.At;
        }

        return group;
    }

    private static XElement Area(string id, double[] values, int rows, Func<double, double> x, double top, double height, double max, string color)
    {
        var step = rows / (double)values.Length;
        var points = new List<string> { $"{F(x(0))},{F(top + height)}" };
        for (var i = 0; i < values.Length; i++)
        {
            var yy = top + height - (Math.Min(values[i], max) / max * height);
            points.Add($"{F(x(i * step))},{F(yy)}");
            points.Add($"{F(x((i + 1) * step))},{F(yy)}");
        }

        points.Add($"{F(x(rows))},{F(top + height)}");
        return new XElement(Svg + "polygon", new XAttribute("id", id), new XAttribute("points", string.Join(' ', points)), new XAttribute("fill", color), new XAttribute("stroke", "none"));
    }

    private static XElement Line(string id, double[] values, int rows, Func<double, double> x, double top, double height, double max, string color, double width, bool dashed)
    {
        var step = rows / (double)values.Length;
        var points = values.Select((v, i) => $"{F(x((i + 0.5) * step))},{F(top + height - (Math.Min(v, max) / max * height))}");
        var line = new XElement(
            Svg + "polyline",
            new XAttribute("id", id),
            new XAttribute("points", string.Join(' ', points)),
            new XAttribute("fill", "none"),
            new XAttribute("stroke", color),
            new XAttribute("stroke-width", F(width)));
        if (dashed)
        {
            line.Add(new XAttribute("stroke-dasharray", "4 3"));
        }

        return line;
    }

    private static XElement Frame(double top, double height) => new(
        Svg + "rect",
        new XAttribute("x", F(Left)),
        new XAttribute("y", F(top)),
        new XAttribute("width", F(Width - Left - Right)),
        new XAttribute("height", F(height)),
        new XAttribute("fill", "none"),
        new XAttribute("stroke", "#bbbbbb"));

    private static XElement Axis(Scenario scenario, Func<double, double> x, double y, int rows)
    {
        var group = new XElement(Svg + "g", new XAttribute("id", "time-axis"));
        group.Add(new XElement(Svg + "line", new XAttribute("x1", F(Left)), new XAttribute("x2", F(Width - Right)), new XAttribute("y1", F(y)), new XAttribute("y2", F(y)), new XAttribute("stroke", "#888888")));
        var tick = NiceTick(scenario.Duration);
        for (var t = TimeSpan.Zero; t <= scenario.Duration; t += tick)
        {
            var xx = x(t.Ticks / (double)scenario.Resolution.Ticks);
            group.Add(new XElement(Svg + "line", new XAttribute("x1", F(xx)), new XAttribute("x2", F(xx)), new XAttribute("y1", F(y)), new XAttribute("y2", F(y + 5)), new XAttribute("stroke", "#888888")));
            group.Add(Text(xx, y + 18, Clock(t), ("text-anchor", "middle"), ("fill", "#555555"), ("font-size", "10")));
        }

        _ = rows;
        return group;
    }

    private static XElement Legend(double y)
    {
        var group = new XElement(Svg + "g", new XAttribute("id", "legend"));
        var x = Left;
        void Swatch(string color, string label, bool line = false, bool dashed = false)
        {
            var advance = 30 + (label.Length * 5.6);
            if (x + advance > Width - 10)
            {
                // Wrap to a second line rather than run off the picture.
                x = Left;
                y += 16;
            }

            if (line)
            {
                var element = new XElement(Svg + "line", new XAttribute("x1", F(x)), new XAttribute("x2", F(x + 18)), new XAttribute("y1", F(y - 4)), new XAttribute("y2", F(y - 4)), new XAttribute("stroke", color), new XAttribute("stroke-width", "2"));
                if (dashed)
                {
                    element.Add(new XAttribute("stroke-dasharray", "4 3"));
                }

                group.Add(element);
            }
            else
            {
                group.Add(new XElement(Svg + "rect", new XAttribute("x", F(x)), new XAttribute("y", F(y - 10)), new XAttribute("width", "14"), new XAttribute("height", "10"), new XAttribute("fill", color)));
            }

            group.Add(Text(x + 22, y, label, ("font-size", "10")));
            x += advance;
        }

        Swatch(StateColors[CircuitState.Closed], "closed");
        Swatch(StateColors[CircuitState.HalfOpen], "half-open");
        Swatch(StateColors[CircuitState.Open], "open");
        Swatch("#fbe3e3", "incident");
        Swatch("#cfdbe8", "offered/s");
        Swatch("#8fd19e", "admitted/s");
        Swatch("#c9c9c9", "rejected/s");
        Swatch("#c62828", "failed/s, true failure rate", line: true);
        Swatch("#222222", "failure rate the breaker saw", line: true, dashed: true);
        Swatch("#7b3fa0", "median latency", line: true, dashed: true);
        return group;
    }

    private static double[] Downsample(double[] values, int rows)
    {
        if (rows <= MaxPoints)
        {
            return values;
        }

        var buckets = new double[MaxPoints];
        for (var b = 0; b < MaxPoints; b++)
        {
            var from = (int)((long)b * rows / MaxPoints);
            var to = (int)((long)(b + 1) * rows / MaxPoints);
            double sum = 0;
            for (var i = from; i < to; i++)
            {
                sum += values[i];
            }

            buckets[b] = sum / Math.Max(1, to - from);
        }

        return buckets;
    }

    private static TimeSpan NiceTick(TimeSpan duration)
    {
        TimeSpan[] candidates = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1)];
        return candidates.FirstOrDefault(c => duration / c <= 12, TimeSpan.FromDays(1));
    }

    private static string Clock(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", Invariant) : t.ToString(@"m\:ss", Invariant);

    private static string Short(TimeSpan? t) => t is { } value ? ScenarioReader.FormatDuration(value) : "—";

    private static XElement Text(double x, double y, string text, params (string Name, string Value)[] attributes)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", F(x)), new XAttribute("y", F(y)), text);
        foreach (var (name, value) in attributes)
        {
            element.Add(new XAttribute(name, value));
        }

        return element;
    }

    private static string F(double value) => value.ToString("0.##", Invariant);
}
