using System.Diagnostics;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// Every managed thread's stack in this test host, written to a file when a fleet wait times out, so a starved thread
/// pool names what holds its threads. Taken by <c>dotnet-stack</c> when it is installed
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
            var file = Path.Combine(Path.GetTempPath(), $"fluxgate-stacks-{Environment.ProcessId}-{DateTime.UtcNow:HHmmss.fff}.txt");
            using var process = Process.Start(new ProcessStartInfo(tool, $"report -p {Environment.ProcessId}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return "managed stacks: dotnet-stack did not answer in 30 s";
            }

            File.WriteAllText(file, output.GetAwaiter().GetResult() + errors.GetAwaiter().GetResult());
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
