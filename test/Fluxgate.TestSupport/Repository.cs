using System.Diagnostics;
using System.Reflection;

namespace Fluxgate.Tests.Support;

/// <summary>The repository the tests were built from, and the Debian programs some of them need.</summary>
public static class Repository
{
    /// <summary>Gets the repository's root folder, as the build recorded it (this project's <c>AssemblyMetadata</c>).</summary>
    public static string Root { get; } =
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("The build did not record the repository's root.");

    /// <summary>
    /// Finds <paramref name="program"/> on the PATH (or at <paramref name="alsoAt"/>); on a machine without it, runs the
    /// repository's <paramref name="installScript"/>, which installs its Debian package (it needs root, as in CI, and
    /// otherwise says what to run). Never a silent skip: a program that cannot be had fails the test saying what to install.
    /// </summary>
    /// <param name="program">The program's file name, e.g. <c>redis-server</c>.</param>
    /// <param name="installScript">The script under <c>eng/</c> that installs it.</param>
    /// <param name="neededBy">Which tests need it, for the error.</param>
    /// <param name="alsoAt">Another place to look, outside the PATH.</param>
    /// <returns>The program's full path.</returns>
    public static string FindOrInstall(string program, string installScript, string neededBy, string? alsoAt = null)
    {
        if (Find(program, alsoAt) is { } found)
        {
            return found;
        }

        var script = Path.Combine(Root, "eng", installScript);
        using (var install = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardError = true, UseShellExecute = false })!)
        {
            var error = install.StandardError.ReadToEnd();
            install.WaitForExit();
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} is not installed and could not be: {error.Trim()}");
            }
        }

        return Find(program, alsoAt) ?? throw new InvalidOperationException($"{program} is not installed; {neededBy} need it: bash eng/{installScript} (as root).");
    }

    private static string? Find(string program, string? alsoAt) => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Where(d => d.Length > 0)
        .Select(d => Path.Combine(d, program))
        .Concat(alsoAt is null ? [] : [alsoAt])
        .FirstOrDefault(File.Exists);
}
