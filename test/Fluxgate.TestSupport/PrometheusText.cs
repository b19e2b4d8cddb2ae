using System.Globalization;

namespace Fluxgate.Tests.Support;

/// <summary>The Prometheus text exposition format, read back: one <see cref="Sample"/> per sample line, and the <c># TYPE</c> of each metric.</summary>
public sealed record PrometheusText(string Text, IReadOnlyList<PrometheusText.Sample> Samples, IReadOnlyDictionary<string, string> Types)
{
    /// <summary>Parses <paramref name="text"/>: <c>name{label="value",…} number</c> per sample line, <c># TYPE name kind</c> per metric.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new List<Sample>();
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                types[parts[2]] = parts[3];
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = line.LastIndexOf('}');
            string name;
            Dictionary<string, string> labels;
            string value;
            if (brace < 0)
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                name = line[..space];
                labels = [];
                value = line[(space + 1)..].Trim().Split(' ')[0];
            }
            else
            {
                name = line[..brace];
                labels = line[(brace + 1)..close]
                    .Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(pair => pair.Split('=', 2))
                    .ToDictionary(kv => kv[0].Trim(), kv => kv[1].Trim('"'));
                value = line[(close + 1)..].Trim().Split(' ')[0];
            }

            samples.Add(new Sample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, CultureInfo.InvariantCulture),
            }));
        }

        return new PrometheusText(text, samples, types);
    }

    /// <summary>The value of the one sample named <paramref name="name"/> with these labels (others may differ).</summary>
    public double Value(string name, params (string Key, string Value)[] labels) =>
        Assert.Single(Samples, s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Value;

    /// <summary>One sample line.</summary>
    public sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
