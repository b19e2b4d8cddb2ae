using System.Collections.Concurrent;
using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>Replicas as separate OS processes (test/Fluxgate.Redis.Replica) with this process as a third, on real time and a 100 ms heartbeat.</summary>
public sealed class SeparateProcessTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly string _application = "proc-" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task TwoProcessesOpeningOnTheirOwn_OpenTheThird_AndFleetCommandsReachThem()
    {
        await using var p1 = ReplicaProcess.Start(redis.Server.ConnectionString, _application, "p1");
        await using var p2 = ReplicaProcess.Start(redis.Server.ConnectionString, _application, "p2");
        await Task.WhenAll(p1.WaitForAsync("ready"), p2.WaitForAsync("ready"));
        var breaker = FleetKit.Breaker(TimeProvider.System);
        await using var fleet = new CircuitBreakerFleet(redis.Server.ConnectionString, new CircuitBreakerFleetOptions
        {
            Application = _application,
            ReplicaId = "here",
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
            ReplicaTimeout = TimeSpan.FromSeconds(2),
        });
        fleet.Join(breaker);
        await fleet.StartAsync();
        await UntilAsync(fleet, () => fleet.PeersHeard.Count == 2, "this process hears both others");

        await p1.SendAsync("fail", "state open");
        await UntilAsync(fleet, () => fleet.PeersOpenOnOwnEvidence("payments") == 1, "p1's open is heard");
        Assert.Equal(CircuitState.Closed, breaker.State);
        await p2.SendAsync("fail", "state open");
        await UntilAsync(fleet, () => breaker.State == CircuitState.Open, "the quorum of p1 and p2 opens this replica");

        await fleet.ForceOpenAsync("payments");
        await Task.WhenAll(p1.WaitForAsync("state forced_open"), p2.WaitForAsync("state forced_open"));
        await fleet.ResetAsync("payments");
        await Task.WhenAll(p1.WaitForAsync("state closed"), p2.WaitForAsync("state closed"));
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private static async Task UntilAsync(CircuitBreakerFleet fleet, Func<bool> condition, string what)
    {
        var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
        while (true)
        {
            var changed = fleet.WhenChangedAsync();
            if (condition())
            {
                return;
            }

            if (await Task.WhenAny(changed, deadline) == deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }

    /// <summary>A Fluxgate.Redis.Replica process: its stdout lines are kept, and awaited by content.</summary>
    private sealed class ReplicaProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private TaskCompletionSource _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private ReplicaProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _lines.Enqueue(line);
                    Interlocked.Exchange(ref _line, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    _lines.Enqueue("stderr: " + line);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public static ReplicaProcess Start(string connection, string application, string id)
        {
            var dll = Net10Program.Path("Fluxgate.Redis.Replica");
            var start = new ProcessStartInfo(Net10Program.DotNetHost) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in new[] { dll, connection, application, id })
            {
                start.ArgumentList.Add(argument);
            }

            return new ReplicaProcess(Process.Start(start)!);
        }

        public async Task SendAsync(string command, string expect)
        {
            var seen = _lines.Count;
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            await WaitForAsync(expect, seen);
        }

        public async Task WaitForAsync(string expected, int skip = 0)
        {
            var deadline = Task.Delay(TimeSpan.FromSeconds(30), TimeProvider.System);
            while (true)
            {
                var next = Volatile.Read(ref _line).Task;
                if (_lines.Skip(skip).Contains(expected))
                {
                    return;
                }

                if (await Task.WhenAny(next, deadline) == deadline)
                {
                    Assert.Fail($"The replica did not print '{expected}'; it printed: {string.Join(" | ", _lines)}");
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    await _process.StandardInput.WriteLineAsync("exit");
                    await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
                }
            }
            catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
            {
            }
            finally
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                }

                _process.Dispose();
            }
        }
    }
}
