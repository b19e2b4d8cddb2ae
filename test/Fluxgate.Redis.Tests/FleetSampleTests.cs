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
        Has("Incident 1: the payment service goes down for every replica");
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(output, @"the fleet saved [1-9]\d* failed calls"), output);
        Has("Fleet quorum for breaker 'payments'");
        Has("web-1 closed, web-2 closed, web-3 open (one replica of three is no quorum");
        Has("web-1 forced_open, web-2 forced_open, web-3 forced_open");
        Has("last command force_open by ops-console"); // wire names throughout
        Has("closed      -> open        (coordinator)");
        Assert.True(output.TrimEnd().EndsWith("Done.", StringComparison.Ordinal), output);

        // Each failure prints the whole story: the line that is missing says little without the timeline around it.
        void Has(string line) => Assert.True(output.Contains(line, StringComparison.Ordinal), $"Missing \"{line}\" in:{Environment.NewLine}{output}");
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

        Assert.Equal(0, Kill(process.Id, SigTerm));   // the signal itself, not a kill(1) process to wait for

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(Directory.Exists(directory), $"{directory} is left behind");
        using var probe = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(System.Net.IPAddress.Loopback, port)); // nobody listens any more
    }

    [Fact]
    public async Task Sample_WithDashboard_ServesWeb1sPageWithEveryReplicaAndTellsTheStoryOnceAPageConnects()
    {
        RedisServer.Start().Dispose();
        var start = new ProcessStartInfo(Net10Program.DotNetHost) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Net10Program.Path("Fluxgate.Fleet"));
        start.ArgumentList.Add("--dashboard");
        using var process = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var storyTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Split("dashboard of web-1: ") is [_, var address])
            {
                url.TrySetResult(new Uri(address));
            }
            else if (e.Data?.StartsWith("The replicas keep running", StringComparison.Ordinal) == true)
            {
                storyTold.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        var page = await url.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // Before any page connects (and with nothing typed), the story waits.
        using (var html = await http.GetAsync(page))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, html.StatusCode);
            Assert.Contains("default-src 'none'", string.Join(' ', html.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }

        using (var breakers = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(page, "api/breakers"))))
        {
            var payments = Assert.Single(breakers.RootElement.EnumerateArray());
            Assert.Equal("payments", payments.GetProperty("name").GetString());
            Assert.True(payments.GetProperty("inFleet").GetBoolean());
        }

        lock (output)
        {
            Assert.DoesNotContain("Incident 1", output.ToString(), StringComparison.Ordinal);
        }

        // A page opens the live stream: the story begins, and ends with the replicas still running and the page served.
        using (var stream = await http.GetAsync(new Uri(page, "api/events"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        }

        await storyTold.Task.WaitAsync(TimeSpan.FromSeconds(90));
        using (var fleet = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri(page, "api/fleet/payments"))))
        {
            var view = fleet.RootElement;
            Assert.Equal("web-1", view.GetProperty("replicaId").GetString());
            Assert.Equal(["web-1", "web-2", "web-3"], view.GetProperty("replicas").EnumerateArray().Select(r => r.GetProperty("replicaId").GetString()).Order(StringComparer.Ordinal));
            Assert.Equal(3, view.GetProperty("liveReplicas").GetInt32());
            Assert.Equal("reset", view.GetProperty("lastCommand").GetProperty("command").GetString());
            Assert.Equal("ops-console", view.GetProperty("lastCommand").GetProperty("issuedBy").GetString());
        }

        await process.StandardInput.WriteLineAsync();   // Enter stops it
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        Assert.True(process.ExitCode == 0, text);
        Assert.Contains("web-1 forced_open, web-2 forced_open, web-3 forced_open", text, StringComparison.Ordinal);
        Assert.EndsWith("Done.", text.TrimEnd(), StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => http.GetAsync(page));   // the page is gone with the sample
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

        // Bounded too: a process the sample started and left behind would hold the pipes open.
        return (process.ExitCode, await output.WaitAsync(TimeSpan.FromSeconds(30)) + await error.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
