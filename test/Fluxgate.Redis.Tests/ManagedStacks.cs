using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Every managed thread's stack in this test host, written to a file when a fleet wait times out or the pool stalls
/// (<see cref="PoolWatchdog"/>), so a starved thread pool names what holds its threads. Taken by <c>dotnet-stack</c> when it is installed
/// (<c>dotnet tool install -g dotnet-stack</c>); without it the report says how to get it.
/// </summary>
internal static class ManagedStacks
{
    public static string Capture()
    {
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-stack");
        if (!File.Exists(tool))
        {
            return "managed stacks: not taken (dotnet tool install -g dotnet-stack to have them here)";
        }

        try
        {
            var file = Path.Combine(Path.GetTempPath(), $"fluxgate-stacks-{Environment.ProcessId}-{TimeProvider.System.GetUtcNow():HHmmss.fff}.txt");

            // Written by the shell, not read through pipes here: reading them would need the thread pool, which may be the
            // very thing that is stuck.
            var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", $"exec \"$0\" report -p {Environment.ProcessId} > \"$1\" 2>&1", tool, file } };
            using var process = Process.Start(start)!;
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return "managed stacks: dotnet-stack did not answer in 30 s";
            }

            return $"managed stacks: {file}";
        }
#pragma warning disable CA1031 // a diagnostic that fails must not hide the test's own failure
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return $"managed stacks: not taken ({exception.Message})";
        }
    }
}
