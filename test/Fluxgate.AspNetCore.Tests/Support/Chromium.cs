using System.Diagnostics;

namespace Fluxgate.AspNetCore.Tests.Support;

/// <summary>
/// Finds Debian's <c>chromium</c>; on a machine without it, <c>eng/install-chromium.sh</c> installs the package first (once
/// per test run; it needs root, as in CI, and otherwise says what to run). Never a silent skip: without a browser the
/// browser tests fail saying exactly what to install.
/// </summary>
public static class Chromium
{
    /// <summary>The flags the tests launch it with: as root it needs --no-sandbox, and without the background-networking
    /// flags it keeps trying to reach hosts the test machines' network refuses.</summary>
    public static readonly string[] Args =
        ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private static readonly Lazy<string> s_executable = new(FindOrInstall);

    public static string Executable => s_executable.Value;

    private static string FindOrInstall()
    {
        if (Find() is { } found)
        {
            return found;
        }

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Fluxgate.sln")))
        {
            root = root.Parent;
        }

        var script = root is null ? null : Path.Combine(root.FullName, "eng", "install-chromium.sh");
        if (script is not null && File.Exists(script))
        {
            using var install = Process.Start(new ProcessStartInfo("bash", [script]) { RedirectStandardError = true, UseShellExecute = false })!;
            var error = install.StandardError.ReadToEnd();
            install.WaitForExit();
            if (install.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium is not installed and could not be: {error.Trim()}");
            }
        }

        return Find() ?? throw new InvalidOperationException("chromium is not installed; the dashboard's browser tests need it: apt-get install -y chromium (or bash eng/install-chromium.sh).");
    }

    private static string? Find() => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
        .Where(d => d.Length > 0)
        .Select(d => Path.Combine(d, "chromium"))
        .Append("/usr/bin/chromium")
        .FirstOrDefault(File.Exists);
}
