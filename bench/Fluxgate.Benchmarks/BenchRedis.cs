using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fluxgate.Benchmarks;

/// <summary>A redis-server for the fleet benchmarks: 127.0.0.1, a free port, no persistence, killed on dispose.</summary>
internal sealed class BenchRedis : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    public BenchRedis()
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The fleet benchmarks need redis-server: sudo apt-get install -y redis-server (or bash eng/install-redis.sh as root).");
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _directory = Directory.CreateTempSubdirectory("fluxgate-bench-").FullName;
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        string? line;
        while ((line = _process.StandardOutput.ReadLine()) is not null && !line.Contains("Ready to accept connections", StringComparison.Ordinal))
        {
        }

        _ = _process.StandardOutput.ReadToEndAsync();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public void Dispose()
    {
        _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
