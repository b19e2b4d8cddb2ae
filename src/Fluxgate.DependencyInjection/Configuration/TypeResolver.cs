using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Fluxgate.Configuration;

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

    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = "Type names come from configuration; trimmed apps must keep the exception types they name.")]
    public static Type? Resolve(string fullName)
    {
        if (fullName.Contains(',', StringComparison.Ordinal) || fullName.Contains('[', StringComparison.Ordinal))
        {
            return null;
        }

        var type = Type.GetType(fullName, throwOnError: false) ?? typeof(Exception).Assembly.GetType(fullName);
        if (type is not null)
        {
            return type;
        }

        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            type = assembly.GetType(fullName, throwOnError: false);
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

            try
            {
                type = Assembly.Load(new AssemblyName(assemblyName)).GetType(fullName, throwOnError: false);
            }
            catch (Exception exception) when (exception is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                type = null;
            }

            if (type is not null)
            {
                return type;
            }
        }

        return null;
    }
}
