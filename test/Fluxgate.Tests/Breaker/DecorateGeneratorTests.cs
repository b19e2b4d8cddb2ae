using Fluxgate.Tests.Support;
using Fluxgate.CodeGen;

namespace Fluxgate.Tests.Breaker;

/// <summary>The Decorate overloads are generated (tools/Fluxgate.CodeGen): the committed file is what the generator writes.</summary>
public class DecorateGeneratorTests
{
    [Fact]
    public void CommittedFile_IsWhatTheGeneratorWrites()
    {
        var path = Path.Combine(Repository.Root, DecorateGenerator.RelativePath);

        var committed = File.ReadAllText(path).Replace("\r\n", "\n", StringComparison.Ordinal);

        Assert.True(committed == DecorateGenerator.Generate(), $"{DecorateGenerator.RelativePath} is stale: run dotnet run --project tools/Fluxgate.CodeGen, then bash eng/update-public-api.sh src/Fluxgate.");
    }

    [Fact]
    public void Generator_WritesEveryShapeForZeroToTwoArguments()
    {
        var text = DecorateGenerator.Generate();

        Assert.Equal(3 * 8, text.Split('\n').Count(l => l.StartsWith("    public ", StringComparison.Ordinal)));   // 8 shapes for each of 0 to 2 arguments
        Assert.Contains("public Func<T1, T2, Task> Decorate<T1, T2>(Func<T1, T2, Task> func, Action<Exception> fallback)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("T3", text, StringComparison.Ordinal); // two parameters at most
        Assert.Contains("public Action Decorate(Action action)", text, StringComparison.Ordinal);
    }
}
