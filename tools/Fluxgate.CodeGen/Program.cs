using Fluxgate.CodeGen;

// Writes src/Fluxgate/Breaker/CircuitBreaker.Decorate.cs from DecorateGenerator, then record any new overloads in
// PublicAPI.Unshipped.txt with: bash eng/update-public-api.sh src/Fluxgate
// A test (DecorateGeneratorTests) fails while the committed file differs from what this writes.
var root = args.Length > 0 ? args[0] : FindRoot(AppContext.BaseDirectory);
var path = Path.Combine(root, DecorateGenerator.RelativePath);
var text = DecorateGenerator.Generate();
var unchanged = File.Exists(path) && File.ReadAllText(path) == text;
if (!unchanged)
{
    File.WriteAllText(path, text);
}

Console.WriteLine(unchanged ? $"{DecorateGenerator.RelativePath} is up to date." : $"Wrote {DecorateGenerator.RelativePath}.");
return 0;

static string FindRoot(string start)
{
    for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Fluxgate.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository, or pass its root as the first argument.");
}
