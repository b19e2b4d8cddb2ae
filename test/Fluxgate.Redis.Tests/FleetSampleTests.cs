using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>samples/Fluxgate.Fleet tells its story and exits 0, or exits 2 with a clear message when redis-server is missing.</summary>
public class FleetSampleTests
{
    [Fact]
    public async Task Sample_WithRedisServer_TellsTheStoryAndExitsZero()
    {
        RedisServer.Start().Dispose(); // installs redis-server first when the machine lacks it, as the other tests do

        var (exit, output) = await RunAsync(path: null);

        Assert.True(exit == 0, output);
        Assert.Contains("Incident 1: the payment service goes down for every replica", output, StringComparison.Ordinal);
        Assert.Matches(@"the fleet saved [1-9]\d* failed calls", output);
        Assert.Contains("Fleet quorum for breaker 'payments'", output, StringComparison.Ordinal);
        Assert.Contains("web-1 closed, web-2 closed, web-3 open (one replica of three is no quorum", output, StringComparison.Ordinal);
        Assert.Contains("web-1 forced_open, web-2 forced_open, web-3 forced_open", output, StringComparison.Ordinal);
        Assert.Contains("last command force_open by ops-console", output, StringComparison.Ordinal); // wire names throughout
        Assert.Contains("closed      -> open        (coordinator)", output, StringComparison.Ordinal);
        Assert.EndsWith("Done.", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_WithoutRedisServer_ExitsTwoSayingHowToInstallIt()
    {
        var (exit, output) = await RunAsync(path: Path.GetTempPath());

        Assert.Equal(2, exit);
        Assert.Contains("sudo apt-get install -y redis-server", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sample_StoppedWithSigterm_LeavesNoRedisServerNorItsDirectoryBehind()
    {
        // Defect: the sample left redis-server running, and its temporary folder, when stopped with SIGTERM.
        RedisServer.Start().Dispose();
        var start = new ProcessStartInfo(Net10Program.DotNetHost) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Net10Program.Path("Fluxgate.Fleet"));
        using var process = Process.Start(start)!;
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("Fluxgate fleet sample: redis-server", StringComparison.Ordinal) == true)
            {
                started.TrySetResult(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var line = await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var match = System.Text.RegularExpressions.Regex.Match(line, @"127\.0\.0\.1:(\d+) \(data in (\S+),");
        var (port, directory) = (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value);
        Assert.True(Directory.Exists(directory));

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(Directory.Exists(directory), $"{directory} is left behind");
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port)); // nobody listens any more
    }

    private static async Task<(int Exit, string Output)> RunAsync(string? path)
    {
        var dll = Net10Program.Path("Fluxgate.Fleet");
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
