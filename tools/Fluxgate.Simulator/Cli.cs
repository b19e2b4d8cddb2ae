using System.CommandLine;
using System.Globalization;

namespace Fluxgate.Simulator;

/// <summary>The command line: a scenario in, a timeline, figures and a picture out.</summary>
internal static class Cli
{
    /// <summary>Where results go without <c>--out</c>: under <c>artifacts/</c>, which the repository ignores.</summary>
    public const string DefaultOutput = "artifacts/simulator";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var scenarioArgument = new Argument<string>("scenario")
        {
            Description = $"A scenario file (.json, .yaml) or a built-in scenario: {string.Join(", ", ScenarioReader.BuiltIn)}.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var outOption = new Option<DirectoryInfo>("--out", "-o") { Description = $"Where to write timeline.csv, transitions.csv, summary.md, summary.json and chart.svg (default: {DefaultOutput}/<scenario>)." };
        var seedOption = new Option<int?>("--seed")
        {
            Description = "Overrides the scenario's seed: same seed, same output, byte for byte.",
            CustomParser = result =>
            {
                var token = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));
                if (int.TryParse(token, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
                {
                    return seed;
                }

                result.AddError($"--seed takes a whole number, e.g. --seed 42, not '{token}'.");
                return null;
            },
        };
        var listOption = new Option<bool>("--list") { Description = "Lists the built-in scenarios." };
        var root = new RootCommand("Fluxgate policy simulator: replays an outage against circuit breaker policies on a virtual clock.")
        {
            scenarioArgument,
            outOption,
            seedOption,
            listOption,
        };
        root.SetAction(parse =>
        {
            if (parse.GetValue(listOption) || parse.GetValue(scenarioArgument) is not { } name)
            {
                output.WriteLine("Built-in scenarios:");
                foreach (var builtIn in ScenarioReader.BuiltIn)
                {
                    var scenario = ScenarioReader.Read(builtIn);
                    output.WriteLine($"  {builtIn,-16} {scenario.Description}");
                }

                output.WriteLine();
                output.WriteLine("Usage: dotnet run --project tools/Fluxgate.Simulator -- <scenario> [--out <directory>] [--seed <n>]");
                return parse.GetValue(listOption) ? 0 : 1;
            }

            try
            {
                var scenario = ScenarioReader.Read(name);
                if (parse.GetValue(seedOption) is { } seed)
                {
                    scenario.Seed = seed;
                }

                var directory = parse.GetValue(outOption)?.FullName ?? Path.Combine(DefaultOutput, Path.GetFileNameWithoutExtension(name));
                if (scenario.Fleet is not null)
                {
                    var fleet = FleetSimulation.Run(scenario);
                    WriteFleet(fleet, directory);
                    output.WriteLine(FleetReports.SummaryMarkdown(fleet));
                    output.Write(FleetReports.Terminal(fleet));
                    output.WriteLine();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {Path.Combine(directory, "chart.svg")} and the summary beside it."));
                    return 0;
                }

                var result = Simulation.Run(scenario);
                Write(result, directory);
                output.WriteLine(Reports.SummaryMarkdown(result));
                output.Write(Reports.Terminal(result));
                output.WriteLine();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Wrote {Path.Combine(directory, "chart.svg")} and the timeline, transitions and summary beside it."));
                return 0;
            }
            catch (ScenarioException exception)
            {
                error.WriteLine($"error: {exception.Message}");
                return 2;
            }
        });

        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    public static void WriteFleet(FleetResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "summary.md"), FleetReports.SummaryMarkdown(result));
        File.WriteAllText(Path.Combine(directory, "summary.json"), FleetReports.SummaryJson(result));
        File.WriteAllText(Path.Combine(directory, "chart.svg"), FleetReports.Svg(result));
    }

    public static void Write(SimulationResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "timeline.csv"), Reports.TimelineCsv(result));
        File.WriteAllText(Path.Combine(directory, "transitions.csv"), Reports.TransitionsCsv(result));
        File.WriteAllText(Path.Combine(directory, "summary.md"), Reports.SummaryMarkdown(result));
        File.WriteAllText(Path.Combine(directory, "summary.json"), Reports.SummaryJson(result));
        File.WriteAllText(Path.Combine(directory, "chart.svg"), SvgChart.Render(result));
    }
}
