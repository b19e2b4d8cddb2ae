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
        Assert.Equal("error: No scenario file 'no-such-scenario', and no built-in scenario of that name (hard-outage, flapping, slow-brownout, partial-failure, traffic-burst, fleet-outage).", error.ToString().Trim());
    }

    [Fact]
    public void Run_List_ListsTheBuiltInScenarios()
    {
        var output = new StringWriter();

        Assert.Equal(0, Cli.Run(["--list"], output, new StringWriter()));
        Assert.All(ScenarioReader.BuiltIn, name => Assert.Contains(name, output.ToString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("4.5")]
    public void Run_SeedThatIsNotAWholeNumber_SaysSoInTheToolsTerms(string seed)
    {
        var error = new StringWriter();

        var exit = Cli.Run(["hard-outage", "--seed", seed], new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.Contains($"--seed takes a whole number, e.g. --seed 42, not '{seed}'.", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("duration: 30", "duration: '30' has no unit: write a duration with one, e.g. 30s or 30m (units: ms, s, m, h).")]
    [InlineData("duration: 2m\ntraffic: { rate: fast }", "traffic.rate: expected a number.")]
    [InlineData("duration: 2m\ntraffic: { rate: 5, burst: 2 }", "traffic: unknown key 'burst'.")]
    [InlineData("duration: 2m\nseed: lucky", "seed: expected a whole number.")]
    public void Run_YamlScenarioWithAWrongValue_SaysWhichKeyAndWhatWasExpected_WithoutJsonOrDotNetTypes(string yaml, string message)
    {
        var file = Path.Combine(Path.GetTempPath(), $"scenario-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, "name: bad\n" + yaml.Replace("\\n", "\n", StringComparison.Ordinal) + "\npolicies:\n  - { name: only }\n");
        var error = new StringWriter();
        try
        {
            Assert.Equal(2, Cli.Run([file, "--out", _directory], new StringWriter(), error));
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal($"error: {file}: {message}", error.ToString().Trim());
        Assert.DoesNotContain("JSON", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultOutput_IsUnderTheIgnoredArtifactsFolder()
    {
        Assert.StartsWith("artifacts/", Cli.DefaultOutput, StringComparison.Ordinal);
        var ignore = File.ReadAllLines(Path.Combine(RepositoryRoot(), ".gitignore"));
        Assert.Contains("/artifacts/", ignore);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Fluxgate.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Fluxgate.sln not found above the test's directory.");
    }
}
