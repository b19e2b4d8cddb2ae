namespace Fluxgate.Simulator.Tests;

public sealed class CliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fluxgate-sim-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Run_BuiltInScenario_WritesEveryOutputAndPrintsTheFiguresAndTheTerminalChart()
    {
        var output = new StringWriter();

        var exit = Cli.Run(["partial-failure", "--out", _directory], output, new StringWriter());

        Assert.Equal(0, exit);
        Assert.Equal(["chart.svg", "summary.json", "summary.md", "timeline.csv", "transitions.csv"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
        var text = output.ToString();
        Assert.Contains("| threshold 15% |", text, StringComparison.Ordinal);
        Assert.Contains("dependency  ", text, StringComparison.Ordinal);
        Assert.Contains("█", text, StringComparison.Ordinal);
        Assert.Contains(File.ReadAllText(Path.Combine(_directory, "summary.md")).TrimEnd(), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ScenarioFileAndSeed_UsesThem()
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "name: file\nduration: 2m\npolicies:\n  - { name: only }\n");
        try
        {
            Assert.Equal(0, Cli.Run([file, "--out", _directory, "--seed", "42"], new StringWriter(), new StringWriter()));
            Assert.Contains("\"seed\": 42", File.ReadAllText(Path.Combine(_directory, "summary.json")), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Run_UnknownScenario_FailsWithAClearMessage()
    {
        var error = new StringWriter();

        var exit = Cli.Run(["no-such-scenario"], new StringWriter(), error);

        Assert.Equal(2, exit);
        Assert.Equal("error: No scenario file 'no-such-scenario', and no built-in scenario of that name (hard-outage, flapping, slow-brownout, partial-failure, traffic-burst).", error.ToString().Trim());
    }

    [Fact]
    public void Run_List_ListsTheBuiltInScenarios()
    {
        var output = new StringWriter();

        Assert.Equal(0, Cli.Run(["--list"], output, new StringWriter()));
        Assert.All(ScenarioReader.BuiltIn, name => Assert.Contains(name, output.ToString(), StringComparison.Ordinal));
    }
}
