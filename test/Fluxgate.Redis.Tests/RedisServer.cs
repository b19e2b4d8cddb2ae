using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// A real <c>redis-server</c> of the test's own: on 127.0.0.1 and a free port, a temporary directory, no persistence, a
/// password, and the default user disabled. It can be killed, paused (SIGSTOP), resumed and restarted empty on the same
/// port, and is killed and its directory deleted on dispose.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly int _clientTimeoutMs;
    private Process? _process;

    // The current server's output, for Describe (a crashed redis-server prints its report there).
    private System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private RedisServer(string executable, int clientTimeoutMs)
    {
        Executable = executable;
        _clientTimeoutMs = clientTimeoutMs;
        Port = LoopbackServer.FreePort();
        Directory = System.IO.Directory.CreateTempSubdirectory("fluxgate-redis-").FullName;
    }

    public string Executable { get; }

    /// <summary>Gets whether the server runs (started, and neither killed nor exited).</summary>
    public bool IsRunning => _process is { HasExited: false };

    public int Port { get; }

    public string Directory { get; }

    public const string User = "fluxgate";

    public const string Password = "fluxgate-test-secret";

    /// <summary>The ACL docs/fleet.md gives the fleet's user: its keys and channel, and the commands the fleet and the client send.</summary>
    public const string Acl = "~fluxgate:* &fluxgate:* -@all +@connection +get +set +setex +psetex +mget +del +unlink +zadd +zrange +zrem +publish +subscribe +unsubscribe +info +config|get +cluster|nodes +role";

    public const string AdminUser = "admin";

    public const string AdminPassword = "fluxgate-test-admin";

    /// <summary>
    /// A configuration string for the test's user, with the client timeouts the server was started with: for a server the
    /// test kills or freezes, commands give up after 1 s, so the fault tests stay short; otherwise after 5 s, so a busy
    /// machine is not taken for a broken Redis.
    /// </summary>
    /// <remarks>
    /// Connecting gets at least 3 s even for a fault server: the client's handshake after a restart takes several
    /// thread-pool hops, and while the test host's pool was starved (4,700 items queued; see <see cref="PoolWatchdog"/>)
    /// 1 s was not enough for any attempt in 30 s though the server answered a fresh socket at once.
    /// </remarks>
    public string ConnectionString =>
        $"127.0.0.1:{Port},user={User},password={Password},abortConnect=false,connectTimeout={Math.Max(_clientTimeoutMs, 3000)},syncTimeout={_clientTimeoutMs},asyncTimeout={_clientTimeoutMs},connectRetry=1";

    /// <summary>A configuration string for an administrator (every command and key), for tests that change the fleet user's rights.</summary>
    public string AdminConnectionString =>
        $"127.0.0.1:{Port},user={AdminUser},password={AdminPassword},allowAdmin=true,abortConnect=false,connectTimeout=5000,syncTimeout=5000,asyncTimeout=5000";

    /// <summary>
    /// Finds <c>redis-server</c> on the PATH and starts it. On a machine without it, <c>eng/install-redis.sh</c> installs the
    /// Debian package first (once per test run; it needs root, as in CI, and otherwise says what to run).
    /// </summary>
    /// <param name="forFaults">Whether the test kills or freezes the server: its clients' commands then give up after 1 s, not 5 s.</param>
    public static RedisServer Start(bool forFaults = false)
    {
        var server = new RedisServer(s_executable.Value, forFaults ? 1000 : 5000);
        s_live.TryAdd(server, 0);
        server.Launch();
        return server;
    }

    // A last resort: a server a failed test did not dispose is killed when the test host exits, so no run leaves one behind.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<RedisServer, byte> s_live = Live();

    private static System.Collections.Concurrent.ConcurrentDictionary<RedisServer, byte> Live()
    {
        var live = new System.Collections.Concurrent.ConcurrentDictionary<RedisServer, byte>();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in live.Keys)
            {
                server.Dispose();
            }
        };
        return live;
    }

    private static readonly Lazy<string> s_executable = new(FindOrInstall);

    private static string FindOrInstall() =>
        Repository.FindOrInstall("redis-server", "install-redis.sh", "the Redis tests");

    /// <summary>Kills the server (SIGKILL): connections drop and nothing answers.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();

            // Bounded: without a bound the wait also waits for the end of the server's redirected output, which a process
            // started meanwhile by another test may hold open for a moment (a fork inherits every descriptor until exec).
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                throw new InvalidOperationException($"redis-server {process.Id} did not exit within 10 s of SIGKILL.");
            }
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Freezes the server (SIGSTOP): connections stay open and nothing answers, as a hung server.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Thaws a paused server (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    /// <summary>Kills the server and starts an empty one on the same port.</summary>
    public void Restart()
    {
        Kill();
        Launch();
    }

    public void Dispose()
    {
        s_live.TryRemove(this, out _);
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Launch()
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", Directory,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "notice",
            "--user", "default", "off",
        }.Concat(["--user", User, "on", ">" + Password, .. Acl.Split(' ')])
         .Concat(["--user", AdminUser, "on", ">" + AdminPassword, "~*", "&*", "+@all"]))
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process = process;

        // The output is read on threads of its own, not by the process's events: those run on the thread pool, and this
        // method blocks a pool thread (test constructors start servers) until the server is ready. With several tests
        // doing so at once the events waited for the pool to grow, and a server that was ready was not seen as ready
        // within 20 s.
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        _output = output;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Read(process.StandardOutput, line =>
        {
            output.Enqueue(line);
            if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }, () => ready.TrySetException(new InvalidOperationException($"redis-server exited: {string.Join(Environment.NewLine, output)}")));
        Read(process.StandardError, output.Enqueue, () => { });
        if (!((IAsyncResult)ready.Task).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(20)))
        {
            throw new TimeoutException($"redis-server on port {Port} was not ready within 20 s: {string.Join(Environment.NewLine, output)}");
        }

        ready.Task.GetAwaiter().GetResult(); // throws when it exited instead
    }

    /// <summary>
    /// What a failed test reports about the server: its process state (from <c>/proc</c>), who listens on its port, whether a
    /// fresh connection gets an answer to PING within a second, and its last output lines.
    /// </summary>
    public string Describe()
    {
        var process = _process;
        string state;
        try
        {
            state = process is null ? "killed"
                : process.HasExited ? $"pid {process.Id} exited with {process.ExitCode}"
                : $"pid {process.Id} state {File.ReadAllText($"/proc/{process.Id}/stat").Split(')')[^1].Trim().Split(' ')[0]}";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            state = $"state unknown ({e.Message})";
        }

        var output = _output.ToArray();
        return $"redis-server on port {Port}: {state}; listening: {Listeners()}; a fresh connection's PING: {Probe()}; "
            + $"its last output:{Environment.NewLine}    {string.Join(Environment.NewLine + "    ", output.Skip(Math.Max(0, output.Length - 15)))}";
    }

    private string Listeners()
    {
        try
        {
            using var ss = Process.Start(new ProcessStartInfo("ss", ["-Hltnp", $"sport = :{Port}"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
            var text = ss.StandardOutput.ReadToEnd();
            return ss.WaitForExit(TimeSpan.FromSeconds(5)) ? (text.Trim() is { Length: > 0 } t ? t : "nobody") : "ss did not return";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unknown ({e.Message})";
        }
    }

    /// <summary>PING on a fresh blocking socket: it needs no thread-pool thread, so a starved pool is not taken for a frozen server.</summary>
    private string Probe()
    {
        try
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp)
            {
                ReceiveTimeout = 1000,
                SendTimeout = 1000,
            };
            socket.Connect(System.Net.IPAddress.Loopback, Port); // on loopback: accepted (even by a frozen server's backlog) or refused at once
            socket.Send("PING\r\n"u8);
            var buffer = new byte[256];
            var read = socket.Receive(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).Trim();
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.TimedOut)
        {
            return "no answer within 1 s";
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return $"{e.SocketErrorCode}: {e.Message}";
        }
    }

    /// <summary>Reads <paramref name="reader"/> line by line on a background thread of its own until the process closes it.</summary>
    private static void Read(StreamReader reader, Action<string> line, Action closed)
    {
        var thread = new Thread(() =>
        {
            while (reader.ReadLine() is { } text)
            {
                line(text);
            }

            closed();
        })
        {
            IsBackground = true,
            Name = "redis-server output",
        };
        thread.Start();
    }

    private void Signal(string signal)
    {
        var process = _process is { HasExited: false } running ? running : throw new InvalidOperationException("redis-server is not running.");
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!kill.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} did not return within 10 s.");
        }

        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} failed with {kill.ExitCode}.");
        }
    }
}
