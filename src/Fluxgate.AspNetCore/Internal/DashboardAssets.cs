using System.Security.Cryptography;
using System.Text;

namespace Fluxgate.AspNetCore.Internal;

/// <summary>The page, its script and its style, read once from the assembly's resources, with their ETags.</summary>
internal static class DashboardAssets
{
    private const string ControlPlaceholder = "{{CONTROL}}";

    /// <summary>Gets the page with control allowed (<c>data-control="true"</c>): the buttons show.</summary>
    public static Asset PageWithControl { get; } = Page(control: true);

    /// <summary>Gets the page without control: no buttons.</summary>
    public static Asset ReadOnlyPage { get; } = Page(control: false);

    public static Asset Script { get; } = Load("app.js", "text/javascript; charset=utf-8");

    public static Asset Style { get; } = Load("app.css", "text/css; charset=utf-8");

    private static Asset Page(bool control)
    {
        var template = Encoding.UTF8.GetString(Read("index.html"));
        if (!template.Contains(ControlPlaceholder, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The dashboard's index.html has no {ControlPlaceholder} placeholder.");
        }

        var text = template.Replace(ControlPlaceholder, control ? "true" : "false", StringComparison.Ordinal);
        return Create(Encoding.UTF8.GetBytes(text), "text/html; charset=utf-8");
    }

    private static Asset Load(string name, string contentType) => Create(Read(name), contentType);

    private static Asset Create(byte[] content, string contentType)
    {
        var hash = SHA256.HashData(content);
        return new Asset(content, contentType, $"\"{Convert.ToHexString(hash, 0, 16).ToLowerInvariant()}\"");
    }

    private static byte[] Read(string name)
    {
        var resource = $"Fluxgate.AspNetCore.Dashboard.{name}";
        using var stream = typeof(DashboardAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard's resource {resource} is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>One file: its bytes, content type and strong ETag (a hash of the bytes).</summary>
    internal sealed record Asset(byte[] Content, string ContentType, string ETag);
}
