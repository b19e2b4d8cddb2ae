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

    private static string FindOrInstall() =>
        Repository.FindOrInstall("chromium", "install-chromium.sh", "the dashboard's browser tests", alsoAt: "/usr/bin/chromium");
}
