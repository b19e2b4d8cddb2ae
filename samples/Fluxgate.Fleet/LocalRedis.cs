using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Fluxgate.Fleet;

/// <summary>
/// A redis-server of the sample's own: 127.0.0.1, a free port, a temporary directory, no persistence. Killed and its
/// directory deleted at the end, and also when the sample is stopped (Ctrl+C, SIGTERM) or exits otherwise.
/// </summary>
internal sealed class LocalRedis : IDisposable
{
    private readonly Process _process;
    private readonly PosixSignalRegistration[] _signals;
    private int _disposed;

    private LocalRedis(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;

        // A stopped sample must not leave its server behind: the runtime does not run `using` blocks on a signal.
        _signals = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT }.Select(s => PosixSignalRegistration.Create(s, _ => Dispose()))];
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public int Port { get; }

    public string Directory { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts redis-server, or returns <see langword="null"/> when it is not installed.</summary>
    public static async Task<LocalRedis?> StartAsync()
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "redis-server"))
            .FirstOrDefault(File.Exists);
        if (executable is null)
        {
            return null;
        }

        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var directory = System.IO.Directory.CreateTempSubdirectory("fluxgate-fleet-").FullName;
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory, "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var redis = new LocalRedis(process, directory, port);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited at start."));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20), TimeProvider.System);
        }
        catch
        {
            redis.Dispose();
            throw;
        }

        return redis;
    }

    /// <summary>Kills the server and deletes its directory; once, whoever asks first (the end of the sample, a signal, the process exiting).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (var signal in _signals)
        {
            signal.Dispose();
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
