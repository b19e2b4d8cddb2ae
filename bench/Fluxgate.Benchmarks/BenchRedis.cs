using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fluxgate.Benchmarks;

/// <summary>A redis-server for the fleet benchmarks and probes: 127.0.0.1, a free port, no persistence; killed (and restarted on the same port) at will, killed on dispose.</summary>
internal sealed class BenchRedis : IDisposable
{
    private readonly string _executable;
    private readonly string _directory;
    private Process? _process;

    public BenchRedis()
    {
        _executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "redis-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The fleet benchmarks need redis-server: sudo apt-get install -y redis-server (or bash eng/install-redis.sh as root).");
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        _directory = Directory.CreateTempSubdirectory("fluxgate-bench-").FullName;
        Launch();
    }

    public int Port { get; }

    public int ProcessId => _process!.Id;

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Kills the server (SIGKILL).</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts an empty server on the same port.</summary>
    public void Restart()
    {
        Kill();
        Launch();
    }

    public void Dispose()
    {
        Kill();
        Directory.Delete(_directory, recursive: true);
    }

    private void Launch()
    {
        var start = new ProcessStartInfo(_executable) { RedirectStandardOutput = true, UseShellExecute = false };
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
}
