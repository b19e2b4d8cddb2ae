// Checks every library package in a feed, as a team finds it: a .nupkg and a .snupkg per package and nothing else; in the
// package its README, LICENSE and, for net8.0 and net10.0, the assembly and its XML docs; in the symbol package the PDBs,
// each with a SourceLink map to the commit the nuspec names; in the nuspec a readme, license, release notes, repository
// commit, project URL, description (not the SDK's placeholder) and tags.
// Usage: dotnet run --project test/Fluxgate.Consumer/Packages -- <feed> <version> <package id>...
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: <feed> <version> <package id>...");
    return 2;
}

var (feed, version, ids) = (args[0], args[1], args[2..]);
string[] frameworks = ["net8.0", "net10.0"];
var problems = new List<string>();

var expected = ids.SelectMany(id => new[] { $"{id}.{version}.nupkg", $"{id}.{version}.snupkg" }).ToHashSet();
foreach (var extra in Directory.GetFiles(feed).Select(Path.GetFileName).Where(f => !expected.Contains(f!)).Order())
{
    problems.Add($"{extra}: not a library package (only src/* packs)");
}

foreach (var id in ids)
{
    var nupkgPath = Path.Combine(feed, $"{id}.{version}.nupkg");
    var snupkgPath = Path.Combine(feed, $"{id}.{version}.snupkg");
    if (!File.Exists(nupkgPath) || !File.Exists(snupkgPath))
    {
        problems.Add($"{id}: missing {(File.Exists(nupkgPath) ? ".snupkg" : ".nupkg")}");
        continue;
    }

    using var nupkg = ZipFile.OpenRead(nupkgPath);
    using var snupkg = ZipFile.OpenRead(snupkgPath);
    var names = nupkg.Entries.Select(e => e.FullName).ToHashSet();
    var nuspec = Read(nupkg, $"{id}.nuspec");
    foreach (var name in new[] { "README.md", "LICENSE" }.Where(n => !names.Contains(n)))
    {
        problems.Add($"{id}: no {name} in the package");
    }

    foreach (var tfm in frameworks)
    {
        problems.AddRange(new[] { $"lib/{tfm}/{id}.dll", $"lib/{tfm}/{id}.xml" }.Where(n => !names.Contains(n)).Select(n => $"{id}: no {n}"));
    }

    (string Element, string Pattern)[] required =
    [
        ("readme", @"<readme>README\.md</readme>"), ("license", "<license type=\"expression\">MIT</license>"),
        ("release notes", @"<releaseNotes>\s*\S"), ("repository commit", "<repository [^>]*commit=\"[0-9a-f]{40}\""),
        ("project URL", "<projectUrl>https://"), ("description", @"<description>\s*\S"), ("tags", @"<tags>\s*\S"),
    ];
    problems.AddRange(required.Where(r => !Regex.IsMatch(nuspec, r.Pattern)).Select(r => $"{id}: the nuspec has no {r.Element}"));
    if (nuspec.Contains("<description>Package Description</description>", StringComparison.Ordinal))
    {
        problems.Add($"{id}: the nuspec has the SDK's placeholder description");
    }

    // SourceLink: every PDB maps its /_/ paths to the repository's raw files at the commit the nuspec names.
    var commit = Regex.Match(nuspec, "<repository [^>]*commit=\"([0-9a-f]{40})\"");
    foreach (var tfm in frameworks)
    {
        var pdb = snupkg.GetEntry($"lib/{tfm}/{id}.pdb");
        if (pdb is null)
        {
            problems.Add($"{id}: no lib/{tfm}/{id}.pdb in the symbol package");
        }
        else if (commit.Success && !ReadEntry(pdb).Contains($"\"/_/*\":\"https://raw.githubusercontent.com/fluxgate-dotnet/fluxgate/{commit.Groups[1].Value}/*\"", StringComparison.Ordinal))
        {
            problems.Add($"{id}: lib/{tfm}/{id}.pdb has no SourceLink map to the commit {commit.Groups[1].Value}");
        }
    }

    Console.WriteLine($"  {id}: {names.Count} files, symbols for {string.Join(" and ", frameworks)}");
}

foreach (var problem in problems)
{
    Console.WriteLine("  FAIL " + problem);
}

return problems.Count == 0 ? 0 : 1;

static string Read(ZipArchive archive, string name) => ReadEntry(archive.GetEntry(name) ?? throw new InvalidOperationException($"no {name}"));

// Latin-1 keeps every byte: a PDB is binary, with the SourceLink JSON embedded as UTF-8 (ASCII here).
static string ReadEntry(ZipArchiveEntry entry)
{
    using var stream = entry.Open();
    using var reader = new StreamReader(stream, Encoding.Latin1);
    return reader.ReadToEnd();
}
