using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Fluxgate.Tests.Support;

namespace Fluxgate.Docs;

/// <summary>
/// The C# in the docs is compiled code: every <c>```csharp</c> block of README.md, CONTRIBUTING.md, docs/*.md and the
/// packages' READMEs is preceded by <c>&lt;!-- snippet: Name --&gt;</c> and is exactly the text of the regions
/// (<c>#region snippet</c> … <c>#endregion</c>) of <c>Snippets/Name.cs</c>, which this project compiles.
/// </summary>
/// <remarks>
/// After editing a snippet, <c>FLUXGATE_UPDATE_DOCS=1 dotnet test test/Fluxgate.Docs.Tests</c> writes the snippets into
/// the docs (and the test passes); review the diff.
/// </remarks>
public partial class DocsTests
{
    private static readonly string Root = Repository.Root;
    private static readonly bool Update = Environment.GetEnvironmentVariable("FLUXGATE_UPDATE_DOCS") == "1";

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (var path in DocumentPaths())
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void CSharpBlocks_AreCompiledSnippets(string document)
    {
        var path = Path.Combine(Root, document);
        var lines = File.ReadAllLines(path).ToList();
        var problems = new List<string>();
        var changed = false;
        foreach (var block in Blocks(lines).Where(b => b.Language is "csharp" or "cs" or "c#").OrderByDescending(b => b.Start))
        {
            if (block.Snippet is null)
            {
                problems.Add($"{document}:{block.Start + 1}: a C# block without a <!-- snippet: Name --> marker before it");
                continue;
            }

            var file = SnippetFile(block.Snippet);
            if (!File.Exists(file))
            {
                problems.Add($"{document}:{block.Start + 1}: snippet '{block.Snippet}' has no file {Path.GetRelativePath(Root, file)}");
                continue;
            }

            var expected = Extract(File.ReadAllText(file));
            if (expected.Count == 0)
            {
                problems.Add($"{document}:{block.Start + 1}: {Path.GetRelativePath(Root, file)} has no #region snippet");
                continue;
            }

            var actual = lines.GetRange(block.Start + 1, block.End - block.Start - 1).Select(l => l.TrimEnd()).ToList();
            if (actual.SequenceEqual(expected))
            {
                continue;
            }

            if (Update)
            {
                lines.RemoveRange(block.Start + 1, block.End - block.Start - 1);
                lines.InsertRange(block.Start + 1, expected);
                changed = true;
            }
            else
            {
                problems.Add($"{document}:{block.Start + 1}: block differs from snippet '{block.Snippet}' (FLUXGATE_UPDATE_DOCS=1 rewrites it):\n--- docs\n{string.Join('\n', actual)}\n--- snippet\n{string.Join('\n', expected)}");
            }
        }

        if (changed)
        {
            File.WriteAllText(path, string.Join('\n', lines) + "\n");
        }

        Assert.True(problems.Count == 0, string.Join("\n\n", problems));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void JsonBlocks_AreValidJson(string document)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, document)).ToList();
        foreach (var block in Blocks(lines).Where(b => b.Language == "json"))
        {
            var text = string.Join('\n', lines.GetRange(block.Start + 1, block.End - block.Start - 1));
            var error = Record.Exception(() => JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }).Dispose());
            Assert.True(error is null, $"{document}:{block.Start + 1}: not valid JSON: {error?.Message}");
        }
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void FluxgateConfigurationBlocks_AreReadByAddCircuitBreakers(string document)
    {
        var lines = File.ReadAllLines(Path.Combine(Root, document)).ToList();
        foreach (var block in Blocks(lines).Where(b => b.Language == "json"))
        {
            var text = string.Join('\n', lines.GetRange(block.Start + 1, block.End - block.Start - 1));
            if (!text.Contains("\"Breakers\"", StringComparison.Ordinal))
            {
                continue;
            }

            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text))).Build();
            var error = Record.Exception(() => new ServiceCollection().AddCircuitBreakers(configuration.GetSection("Fluxgate")));
            Assert.True(error is null, $"{document}:{block.Start + 1}: AddCircuitBreakers rejects it: {error?.Message}");
        }
    }

    [Fact]
    public void EverySnippet_IsShownInTheDocs()
    {
        var used = DocumentPaths()
            .SelectMany(d => Blocks([.. File.ReadAllLines(Path.Combine(Root, d))]))
            .Select(b => b.Snippet)
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var snippets = Path.Combine(Root, "test", "Fluxgate.Docs.Tests", "Snippets");
        var orphans = Directory.EnumerateFiles(snippets, "*.cs", SearchOption.AllDirectories)
            .Where(f => Extract(File.ReadAllText(f)).Count > 0)
            .Select(f => Path.GetRelativePath(snippets, f)[..^3].Replace('\\', '/'))
            .Where(name => !used.Contains(name))
            .ToList();

        Assert.True(orphans.Count == 0, $"Snippets no document shows: {string.Join(", ", orphans)}");
    }

    [Fact]
    public void Extract_JoinsRegionsDedentedWithABlankLineBetween()
    {
        var text = "using A;\n#region snippet\nusing B;\n#endregion\nclass C\n{\n    void M()\n    {\n        #region snippet\n        var x = 1;\n\n          x++;\n        #endregion\n    }\n}\n";

        Assert.Equal(["using B;", string.Empty, "var x = 1;", string.Empty, "  x++;"], Extract(text));
    }

    /// <summary>The documents checked: the README, CONTRIBUTING, every page of docs/ and every package's README.</summary>
    private static IEnumerable<string> DocumentPaths()
    {
        string[] top = ["README.md", "CONTRIBUTING.md"];
        foreach (var file in top.Where(f => File.Exists(Path.Combine(Root, f))))
        {
            yield return file;
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "docs"), "*.md").Order(StringComparer.Ordinal))
        {
            yield return Path.GetRelativePath(Root, file).Replace('\\', '/');
        }

        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "src"), "README.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            yield return Path.GetRelativePath(Root, file).Replace('\\', '/');
        }
    }

    /// <summary>The fenced blocks of a document: the fence lines, the language, and the snippet named by the marker above, if any.</summary>
    private static List<Block> Blocks(List<string> lines)
    {
        var blocks = new List<Block>();
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal))
            {
                continue;
            }

            var language = lines[i][3..].Trim();
            var end = lines.FindIndex(i + 1, l => l.TrimEnd() == "```");
            if (end < 0)
            {
                break;
            }

            var above = i - 1;
            while (above >= 0 && string.IsNullOrWhiteSpace(lines[above]))
            {
                above--;
            }

            var snippet = above >= 0 && MarkerPattern().Match(lines[above]) is { Success: true } marker ? marker.Groups[1].Value : null;
            blocks.Add(new Block(i, end, language, snippet));
            i = end;
        }

        return blocks;
    }

    /// <summary>The text of a snippet file's regions, each dedented, joined with one blank line.</summary>
    internal static List<string> Extract(string text)
    {
        var result = new List<string>();
        List<string>? region = null;
        foreach (var raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = raw.TrimEnd();
            if (line.Trim() == "#region snippet")
            {
                region = [];
                continue;
            }

            if (region is not null && line.Trim() == "#endregion")
            {
                var indent = region.Where(l => l.Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
                if (result.Count > 0)
                {
                    result.Add(string.Empty);
                }

                result.AddRange(region.Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
                region = null;
                continue;
            }

            region?.Add(line);
        }

        return result;
    }

    private static string SnippetFile(string name) => Path.Combine(Root, "test", "Fluxgate.Docs.Tests", "Snippets", name.Replace('/', Path.DirectorySeparatorChar) + ".cs");

    [GeneratedRegex(@"^<!--\s*snippet:\s*([\w./-]+)\s*-->\s*$")]
    private static partial Regex MarkerPattern();

    private sealed record Block(int Start, int End, string Language, string? Snippet);
}
