using System.Xml.Linq;

namespace Fluxgate.Simulator.Tests;

/// <summary>Fleet scenarios: replicas running one policy, independent and with the quorum rule of Fluxgate.Redis.</summary>
public class FleetSimulationTests
{
    [Fact]
    public void FleetOutage_TheQuorumOpensTheQuietReplicasSooner_AndLetsFewerFailuresThrough()
    {
        var result = FleetSimulation.Run(ScenarioReader.Read("fleet-outage"));
        var (alone, joined) = (result.Modes[0], result.Modes[1]);

        Assert.True(joined.FailedInIncidents < alone.FailedInIncidents);
        for (var i = 3; i < 5; i++)
        {
            // The quietest replicas (2 and 1 calls/s) open on the others' quorum, long before their own evidence would.
            Assert.True(joined.Replicas[i].Detections[0] < alone.Replicas[i].Detections[0], $"replica {i + 1}");
            Assert.True(joined.Replicas[i].FleetOpens >= 1);
        }

        // The busy replicas see the same thing with or without the fleet: they make the quorum.
        Assert.Equal(alone.Replicas[0].Detections, joined.Replicas[0].Detections);
        XDocument.Parse(FleetReports.Svg(result));
    }

    [Fact]
    public void RedisAwayWhenTheOutageBegins_TheQuorumOpensNobodyUntilItIsBack_ThenTheQuietReplicas()
    {
        // The fleet's own rule (FleetCoordinator): while the replicas cannot hear each other it decides nothing.
        var scenario = ScenarioReader.Read("fleet-outage");
        var back = TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(3); // the busy replicas have opened by then, the quiet ones not
        scenario.Fleet!.RedisOutages = [new RedisOutage { From = TimeSpan.FromMinutes(4.5), To = back }];
        var joined = FleetSimulation.Run(scenario).Modes[1];

        foreach (var replica in joined.Replicas.Skip(3))
        {
            var trip = Assert.Single(replica.Transitions, t => t.Cause == TransitionCause.Coordinator);
            Assert.InRange(trip.At, back, back + (2 * scenario.Fleet.Heartbeat));
        }

        Assert.Contains("x Redis away", FleetReports.Terminal(FleetSimulation.Run(scenario)), StringComparison.Ordinal);
    }

    [Fact]
    public void Pictures_ShowWhereTheQuorumOpenedAReplica()
    {
        var result = FleetSimulation.Run(ScenarioReader.Read("fleet-outage"));

        Assert.Contains('▓', FleetReports.Terminal(result).Split('\n').Last(l => l.TrimStart().StartsWith("replica 4", StringComparison.Ordinal)));
        Assert.Contains("#8e24aa", FleetReports.Svg(result), StringComparison.Ordinal);
        Assert.Contains(true, result.Modes[1].Replicas[3].FleetRows);
        Assert.DoesNotContain(true, result.Modes[0].Replicas[3].FleetRows); // independent breakers are never opened by a quorum
    }

    [Fact]
    public void AFaultOnlyOneReplicaSees_OpensThatReplicaAlone()
    {
        var scenario = ScenarioReader.Read("fleet-outage");
        var result = FleetSimulation.Run(scenario);
        var joined = result.Modes[1];
        var local = scenario.Dependency.Phases[1];

        // Replica 5 opens on its own; no other replica's breaker leaves closed during the local fault.
        Assert.NotNull(joined.Replicas[4].Detections[1]);
        var rows = Enumerable.Range((int)(local.From / scenario.Resolution), (int)((local.To - local.From) / scenario.Resolution));
        Assert.All(joined.Replicas.Take(4), r => Assert.All(rows, row => Assert.Equal(CircuitState.Closed, r.Rows[row])));
    }

    [Theory]
    [InlineData(""" "policies": [ { "name": "a" }, { "name": "b" } ] """, "policies: must list exactly one policy in a fleet scenario")]
    [InlineData(""" "policies": [ { "name": "a" } ], "dependency": { "phases": [ { "from": "1m", "to": "2m", "replicas": [4] } ] } """, "dependency.phases[0].replicas: must number replicas from 1 to 3")]
    [InlineData(""" "policies": [ { "name": "a" } ], "fleet": { "replicas": 3, "quorumMinimum": 1 } """, "fleet.quorumMinimum: must be between 2 and 20")]
    [InlineData(""" "policies": [ { "name": "a" } ], "fleet": { "replicas": 3, "rates": [1, 2] } """, "fleet.rates: must give one rate per replica")]
    public void InvalidFleetScenarios_AreRefusedNamingTheKey(string body, string message)
    {
        var json = "{ \"name\": \"f\", \"duration\": \"5m\", " + (body.Contains("\"fleet\"", StringComparison.Ordinal) ? body : body + ", \"fleet\": { \"replicas\": 3 }") + " }";

        var error = Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(json, yaml: false, "f.json"));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplicasOnAPhase_OutsideAFleetScenario_AreRefused()
    {
        var json = """{ "name": "f", "policies": [ { "name": "a" } ], "dependency": { "phases": [ { "from": "1m", "to": "2m", "replicas": [1] } ] } }""";

        Assert.Contains("name 'replicas' only in a fleet scenario", Assert.Throws<ScenarioException>(() => ScenarioReader.Parse(json, yaml: false, "f.json")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DocsImage_IsWhatTheSimulatorRendersToday()
    {
        var result = FleetSimulation.Run(ScenarioReader.Read("fleet-outage"));
        var images = Path.Combine(SimulationTests.RepositoryRoot(), "docs", "images");

        Assert.Equal(File.ReadAllText(Path.Combine(images, "simulator-fleet-outage.svg")), FleetReports.Svg(result));
        Assert.Equal(File.ReadAllText(Path.Combine(images, "simulator-fleet-outage.md")), FleetReports.SummaryMarkdown(result));
    }

    [Fact]
    public void Cli_FleetScenario_WritesTheSummaryAndTheChartAndPrintsTheTerminalPicture()
    {
        var directory = Directory.CreateTempSubdirectory("fleet-sim-").FullName;
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = Cli.Run(["fleet-outage", "--out", directory], output, error);

        Assert.Equal(0, exit);
        Assert.All(new[] { "summary.md", "summary.json", "chart.svg" }, f => Assert.True(File.Exists(Path.Combine(directory, f)), f));
        Assert.Contains("with the quorum", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("incident seen by", output.ToString(), StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}
