using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Fluxgate;

/// <summary>
/// Finds a type by full name without letting configuration load arbitrary assemblies: the core library and
/// this one, then the assemblies already loaded, then the framework assembly named by a prefix of the
/// namespace (System.Net.Http for System.Net.Http.HttpRequestException), if the runtime lists it as trusted.
/// </summary>
internal static class TypeResolver
{
    private static readonly Lazy<HashSet<string>> s_trustedAssemblies = new(() =>
    {
        var list = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        return new HashSet<string>(list.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(Path.GetFileNameWithoutExtension).OfType<string>(), StringComparer.OrdinalIgnoreCase);
    });

    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Type names come from configuration; trimmed apps must keep the exception types they name (Tracker.Parse says so).")]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Type names come from configuration; trimmed apps must keep the exception types they name (Tracker.Parse says so).")]
    public static Type? Resolve(string fullName)
    {
        if (fullName.Contains(',', StringComparison.Ordinal) || fullName.Contains('[', StringComparison.Ordinal))
        {
            return null;
        }

        var type = Safely(() => Type.GetType(fullName, throwOnError: false)) ?? Safely(() => typeof(Exception).Assembly.GetType(fullName));
        if (type is not null)
        {
            return type;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            type = Safely(() => assembly.GetType(fullName, throwOnError: false));
            if (type is not null)
            {
                return type;
            }
        }

        // System.Net.Http.HttpRequestException: try the assemblies System.Net.Http, System.Net and System.
        for (var end = fullName.LastIndexOf('.'); end > 0; end = fullName.LastIndexOf('.', end - 1))
        {
            var assemblyName = fullName[..end];
            if (!s_trustedAssemblies.Value.Contains(assemblyName))
            {
                continue;
            }

            type = Safely(() => Assembly.Load(new AssemblyName(assemblyName)).GetType(fullName, throwOnError: false));

            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>Looks a type up, treating a name the runtime cannot even parse or load like one that names nothing.</summary>
    private static Type? Safely(Func<Type?> lookUp)
    {
        try
        {
            return lookUp();
        }
        catch (Exception exception) when (exception is ArgumentException or TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }
}
