using System.Reflection;

namespace Fluxgate.Redis.Tests;

/// <summary>
/// The net10.0 programs these tests start as separate OS processes (the replica program, the fleet sample), found in
/// their own build output whichever framework the tests run on, and the dotnet host that runs them.
/// </summary>
internal static class Net10Program
{
    /// <summary>
    /// The dotnet host: the process running the tests when it is one (framework-dependent net10.0 runs); otherwise
    /// (self-contained net8.0 runs, where the process is the test host itself) the one the SDK names or the one on PATH.
    /// </summary>
    public static string DotNetHost { get; } = FindDotNetHost();

    /// <summary>Where the program <paramref name="assemblyName"/> is built, in this run's configuration, as the build recorded it (the test project's <c>AssemblyMetadata</c> items).</summary>
    public static string Path(string assemblyName)
    {
        var key = "Program:" + assemblyName;
        var dll = typeof(Net10Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        Assert.True(dll is not null, $"The test project records no '{key}' (Fluxgate.Redis.Tests.csproj).");
        Assert.True(File.Exists(dll), $"{assemblyName} is not built at {dll}.");
        return System.IO.Path.GetFullPath(dll);
    }

    private static string FindDotNetHost()
    {
        var name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (string.Equals(System.IO.Path.GetFileName(Environment.ProcessPath), name, StringComparison.OrdinalIgnoreCase))
        {
            return Environment.ProcessPath!;
        }

        foreach (var candidate in new[] { Environment.GetEnvironmentVariable("DOTNET_HOST_PATH"), Environment.GetEnvironmentVariable("DOTNET_ROOT") is { } dotnetRoot ? System.IO.Path.Combine(dotnetRoot, name) : null })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return name;
    }
}
