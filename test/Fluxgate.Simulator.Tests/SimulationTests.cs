using System.Xml.Linq;

namespace Fluxgate.Simulator.Tests;

public class SimulationTests
{
    /// <summary>
    /// One call per second, 100 ms each; the dependency fails every call from 10 s to 30 s. The policy opens on the
    /// first failure and waits 5 s. Every figure below is worked out by hand in the comments.
    /// </summary>
    private const string Tiny = """
        {
          "name": "tiny",
          "duration": "60s",
          "seed": 1,
          "traffic": { "rate": 1, "arrivals": "uniform" },
          "dependency": {
            "failureRate": 0,
            "latency": { "median": "100ms", "p99": "100ms" },
            "phases": [ { "name": "down", "from": "10s", "to": "30s", "failureRate": 1 } ]
          },
          "policies": [
            { "name": "streak", "window": "Count(5)", "tracker": "All()", "tripper": "FailureStreak(1)", "retry": "Cooldown(5s)", "permit": "All()" }
          ]
        }
        """;

    public static TheoryData<string> BuiltIns => [.. ScenarioReader.BuiltIn.Where(n => ScenarioReader.Read(n).Fleet is null)];

    [Fact]
    public void TinyScenario_FiguresMatchTheHandComputation()
    {
        var result = Simulation.Run(ScenarioReader.Parse(Tiny, yaml: false, "tiny"));
        var run = Assert.Single(result.Runs);
        var summary = run.Summary;

        // Calls at 0, 1, …, 59 s. Call 10 fails at 10.1 s: open (detect 0.1 s), waiting until 15.1 s.
        Assert.Equal(TimeSpan.FromMilliseconds(100), Assert.Single(summary.Detections).TimeToDetect);

        // 11–15 rejected; 16 probes, fails at 16.1: reopen until 21.1; 17–21 rejected; 22 probes and fails; 23–27
        // rejected; 28 probes and fails at 28.1 (reopen until 33.1); 29–33 rejected; 34 probes, succeeds at 34.1: closed.
        Assert.Equal(TimeSpan.FromMilliseconds(4_100), summary.TimeToRecovery);   // 34.1 s − 30 s
        Assert.Equal(4, summary.LostWhileHealthy);                                 // 30, 31, 32, 33
        Assert.Equal(4, summary.FailedDuringIncident);                             // 10, 16, 22, 28
        Assert.Equal((60, 40, 20, 4, 36), (summary.Calls, summary.Admitted, summary.Rejected, summary.Failed, summary.Succeeded));
        Assert.Equal((1, 1, 9), (summary.Incidents, summary.Detected, summary.Transitions));
        Assert.Equal(
            [(10.1, "closed", "open"), (16, "open", "half_open"), (16.1, "half_open", "open"), (22, "open", "half_open"), (22.1, "half_open", "open"), (28, "open", "half_open"), (28.1, "half_open", "open"), (34, "open", "half_open"), (34.1, "half_open", "closed")],
            run.Transitions.Select(t => (Math.Round(t.At.TotalSeconds, 3), t.From.ToWireName(), t.To.ToWireName())));

        // Rows: second 10 admitted one call that failed and ends open; second 12 rejected one; second 40 is healthy and closed.
        Assert.Equal(new PolicyRow(CircuitState.Open, 1, 0, 1, 0, null, null, null), run.Rows[10]);
        Assert.Equal((0, 1, CircuitState.Open), (run.Rows[12].Admitted, run.Rows[12].Rejected, run.Rows[12].State));
        Assert.Equal((1, 0, 1, CircuitState.Closed), (run.Rows[40].Admitted, run.Rows[40].Rejected, run.Rows[40].Succeeded, run.Rows[40].State));
        Assert.Equal(TimeSpan.FromMilliseconds(100), run.Rows[40].AvgDuration);
        Assert.Equal((1, 1.0, true), (result.Dependency[20].Offered, result.Dependency[20].FailureRate, result.Dependency[20].Incident));
    }

    [Fact]
    public void Simulation_IsDeterministicForASeed_ByteForByte()
    {
        var first = Render(ScenarioReader.Read("traffic-burst"));
        var second = Render(ScenarioReader.Read("traffic-burst"));
        var reseeded = ScenarioReader.Read("traffic-burst");
        reseeded.Seed = 99;

        Assert.Equal(first, second);
        Assert.NotEqual(first.Timeline, Render(reseeded).Timeline);
    }

    [Fact]
    public void Svg_IsWellFormedAndHoldsEverySeries()
    {
        var result = Simulation.Run(ScenarioReader.Parse(Tiny, yaml: false, "tiny"));

        var svg = XDocument.Parse(SvgChart.Render(result));

        XNamespace ns = "http://www.w3.org/2000/svg";
        var ids = svg.Descendants().Select(e => (string?)e.Attribute("id")).OfType<string>().ToHashSet();
        string[] expected = ["incident-0", "dependency-offered", "dependency-failure-rate", "dependency-latency", "policy-0-state", "policy-0-admitted", "policy-0-rejected", "policy-0-failed", "policy-0-failure-rate", "time-axis", "legend"];
        Assert.All(expected, id => Assert.Contains(id, ids));
        var band = svg.Descendants(ns + "g").Single(g => (string?)g.Attribute("id") == "policy-0-state").Elements(ns + "rect").ToList();
        Assert.Equal(
            ["closed", "open", "half_open", "open", "half_open", "open", "half_open", "open", "half_open", "closed"],
            band.Select(r => r.Element(ns + "title")!.Value));
        Assert.All(band, r => Assert.StartsWith("#", (string)r.Attribute("fill")!, StringComparison.Ordinal));
        Assert.Equal(60, ((string)svg.Descendants(ns + "polyline").Single(l => (string?)l.Attribute("id") == "policy-0-failed").Attribute("points")!).Split(' ').Length);
    }

    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void BuiltInScenarios_RunAndTellTheirPoliciesApart(string name)
    {
        var result = Simulation.Run(ScenarioReader.Read(name));

        Assert.Equal(2, result.Runs.Count);
        Assert.All(result.Runs, r => Assert.Equal(result.Dependency.Count, r.Rows.Count));
        Assert.All(result.Runs, r => Assert.Equal(r.Summary.Calls, r.Summary.Admitted + r.Summary.Rejected));
        Assert.All(result.Runs, r => Assert.Equal(r.Summary.Admitted, r.Summary.Failed + r.Summary.Succeeded));
        Assert.NotEqual(result.Runs[0].Summary, result.Runs[1].Summary);
        XDocument.Parse(SvgChart.Render(result));
    }

    /// <summary>
    /// The pictures and tables in docs/simulator.md must be the simulator's own output: if the simulator or the
    /// breaker changes what a built-in scenario shows, this fails until <c>tools/Fluxgate.Simulator/render-docs.sh</c>
    /// is rerun and the new images are committed.
    /// </summary>
    [Theory]
    [MemberData(nameof(BuiltIns))]
    public void DocsImages_AreWhatTheSimulatorRendersToday(string name)
    {
        var images = Path.Combine(RepositoryRoot(), "docs", "images");
        var result = Simulation.Run(ScenarioReader.Read(name));

        Assert.Equal(Normalize(File.ReadAllText(Path.Combine(images, $"simulator-{name}.svg"))), Normalize(SvgChart.Render(result)));
        Assert.Equal(Normalize(File.ReadAllText(Path.Combine(images, $"simulator-{name}.md"))), Normalize(Reports.SummaryMarkdown(result)));

        static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>Two incidents: slow calls from 5 m, errors from 10 m. A policy that counts only errors opens in the second.</summary>
    private const string TwoIncidents = """
        {
          "name": "two-incidents",
          "duration": "15m",
          "seed": 7,
          "traffic": { "rate": 5, "arrivals": "uniform" },
          "dependency": {
            "failureRate": 0,
            "latency": { "median": "50ms", "p99": "50ms" },
            "phases": [
              { "name": "slow", "from": "5m", "to": "8m", "latency": { "median": "3s", "p99": "3s" } },
              { "name": "errors", "from": "10m", "to": "12m", "failureRate": 1 }
            ]
          },
          "policies": [
            { "name": "errors only", "window": "Count(20)", "tracker": "All()", "tripper": "MinRequests(10) & FailureRate(0.5)", "retry": "Cooldown(30s)", "permit": "All()" },
            { "name": "slow-aware", "window": "Count(20)", "tracker": "All()", "tripper": "MinRequests(10) & (FailureRate(0.5) | SlowRate(0.5, 1s))", "retry": "Cooldown(30s)", "permit": "All()" }
          ]
        }
        """;

    [Fact]
    public void TwoIncidents_DetectionIsReportedPerIncident_AndAMissedOneSaysNotDetected()
    {
        var result = Simulation.Run(ScenarioReader.Parse(TwoIncidents, yaml: false, "two-incidents"));
        var errorsOnly = result.Runs.Single(r => r.Policy.Name == "errors only").Summary;
        var slowAware = result.Runs.Single(r => r.Policy.Name == "slow-aware").Summary;

        Assert.Equal([false, true], errorsOnly.Detections.Select(d => d.Detected));
        Assert.Null(errorsOnly.Detections[0].TimeToDetect);
        Assert.InRange(errorsOnly.Detections[1].TimeToDetect!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal([true, true], slowAware.Detections.Select(d => d.Detected));
        Assert.Equal(1, errorsOnly.Detected);

        var markdown = Reports.SummaryMarkdown(result);
        Assert.Contains($"| errors only | #1 not detected, #2 {ScenarioReader.FormatDuration(errorsOnly.Detections[1].TimeToDetect!.Value)} |", markdown, StringComparison.Ordinal);
        Assert.Contains("#1 not detected", SvgChart.Render(result), StringComparison.Ordinal);

        using var json = System.Text.Json.JsonDocument.Parse(Reports.SummaryJson(result));
        var incidents = json.RootElement.GetProperty("policies")[0].GetProperty("incidents");
        Assert.Equal(2, incidents.GetArrayLength());
        Assert.False(incidents[0].GetProperty("detected").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, incidents[0].GetProperty("time_to_detect_s").ValueKind);
        Assert.Equal(300, incidents[0].GetProperty("from_s").GetDouble());
        Assert.True(incidents[1].GetProperty("detected").GetBoolean());
        Assert.Equal(1, json.RootElement.GetProperty("policies")[0].GetProperty("incidents_detected").GetInt32());
    }

    [Fact]
    public void SlowBrownout_OnlyTheSlowAwarePolicyNoticesBeforeTimeouts()
    {
        var result = Simulation.Run(ScenarioReader.Read("slow-brownout"));
        var failuresOnly = result.Runs.Single(r => r.Policy.Name == "failures only");
        var slowAware = result.Runs.Single(r => r.Policy.Name == "slow-aware");

        Assert.True(slowAware.Summary.Detections[0].TimeToDetect < (failuresOnly.Summary.Detections[0].TimeToDetect ?? TimeSpan.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(1), slowAware.SlowThreshold);
        Assert.Contains(slowAware.Rows, r => r.SlowRate > 0.5);
    }

    [Fact]
    public void YamlScenario_ReadsLikeTheJsonOne()
    {
        const string yaml = """
            name: tiny
            duration: 60s
            seed: 1
            traffic: { rate: 1, arrivals: uniform }
            dependency:
              failureRate: 0
              latency: { median: 100ms, p99: 100ms }
              phases:
                - { name: down, from: 10s, to: 30s, failureRate: 1 }
            policies:
              - { name: streak, window: Count(5), tracker: All(), tripper: FailureStreak(1), retry: Cooldown(5s), permit: All() }
            """;

        Assert.Equal(Render(ScenarioReader.Parse(Tiny, yaml: false, "tiny")), Render(ScenarioReader.Parse(yaml, yaml: true, "tiny.yaml")));
    }

    [Theory]
    [InlineData("""{ "name": "x", "policies": [] }""", "x.json: policies: must list between 1 and 6 policies.")]
    [InlineData("""{ "duration": "10", "policies": [ { "name": "p" } ] }""", "x.json: duration: '10' is not a duration: write a number and a unit (ms, s, m or h), e.g. 500ms, 10s, 5m.")]
    [InlineData("""{ "policies": [ { "name": "p" } ], "trafic": { "rate": 5 } }""", "x.json: unknown key 'trafic'.")]
    [InlineData("""{ "traffic": { "rate": 0 }, "policies": [ { "name": "p" } ] }""", "x.json: traffic.rate: must be between 0 and 10,000 calls per second.")]
    [InlineData("""{ "dependency": { "phases": [ { "from": "5m", "to": "1m" } ] }, "policies": [ { "name": "p" } ] }""", "x.json: dependency.phases[0]: must have 0 ≤ from < to.")]
    public void InvalidScenario_SaysWhichValueIsWrong(string json, string message) =>
        Assert.Equal(message, Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(json, yaml: false, "x.json")).Message);

    [Fact]
    public void InvalidPolicyExpression_NamesThePolicyTheKeyAndThePosition()
    {
        var scenario = ScenarioReader.Parse("""{ "duration": "10s", "policies": [ { "name": "p" }, { "name": "broken", "tripper": "FailureRate(0.5) &" } ] }""", yaml: false, "x.json");

        var error = Assert.Throws<ScenarioException>(() => Simulation.Run(scenario));

        Assert.StartsWith("policies[1].tripper (policy 'broken'): Expected a tripper: Closed(), ", error.Message, StringComparison.Ordinal);
        Assert.Contains("at position 19, found end of input.", error.Message, StringComparison.Ordinal);
    }

    internal static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Fluxgate.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Fluxgate.sln above {AppContext.BaseDirectory}.");
    }

    private static Rendered Render(Scenario scenario)
    {
        var result = Simulation.Run(scenario);
        return new Rendered(Reports.TimelineCsv(result), Reports.TransitionsCsv(result), Reports.SummaryJson(result), Reports.SummaryMarkdown(result), SvgChart.Render(result));
    }

    private sealed record Rendered(string Timeline, string Transitions, string SummaryJson, string SummaryMarkdown, string Svg);
}
