using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>samples/Fluxgate.Fleet tells its story and exits 0, or exits 2 with a clear message when redis-server is missing.</summary>
public class FleetSampleTests
{
    [Fact]
    public async Task Sample_TellsTheStoryAndExitsZero()
    {
        RedisServer.Start().Dispose(); // installs redis-server first when the machine lacks it, as the other tests do

        var (exit, output) = await RunAsync(path: null);

        Assert.True(exit == 0, output);
        Assert.Contains("Incident 1: the payment service goes down for every replica", output, StringComparison.Ordinal);
        Assert.Matches(@"the fleet saved [1-9]\d* failed calls", output);
        Assert.Contains("Fleet quorum for breaker 'payments'", output, StringComparison.Ordinal);
        Assert.Contains("web-1 closed, web-2 closed, web-3 open (one replica of three is no quorum", output, StringComparison.Ordinal);
        Assert.Contains("web-1 forced_open, web-2 forced_open, web-3 forced_open", output, StringComparison.Ordinal);
        Assert.EndsWith("Done.", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_WithoutRedisServer_ExitsTwoSayingHowToInstallIt()
    {
        var (exit, output) = await RunAsync(path: Path.GetTempPath());

        Assert.Equal(2, exit);
        Assert.Contains("sudo apt-get install -y redis-server", output, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> RunAsync(string? path)
    {
        var dll = Net10Program.Path(Path.Combine("samples", "Fluxgate.Fleet"), "Fluxgate.Fleet");
        var start = new ProcessStartInfo(Net10Program.DotNetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        if (path is not null)
        {
            start.Environment["PATH"] = path;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return (process.ExitCode, await output + await error);
    }
}
