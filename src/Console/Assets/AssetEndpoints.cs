using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Assets;

/// <summary>The console's own stylesheet and script, read from the assembly (so a single-file publish carries them).</summary>
public static class AssetEndpoints
{
    private static readonly FrozenDictionary<string, (byte[] Body, string ContentType)> Files = Load();

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ConsolePaths.Assets + "/{name}", (string name, HttpContext context) =>
        {
            if (!Files.TryGetValue(name, out var file))
            {
                return Results.NotFound();
            }

            context.Response.Headers.CacheControl = "public, max-age=300";
            return Results.Bytes(file.Body, file.ContentType);
        }).ExcludeFromDescription();
        return routes;
    }

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        const string prefix = "console-assets/";
        var assembly = typeof(AssetEndpoints).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var name = resource[prefix.Length..];
            files[name] = (copy.ToArray(), name.EndsWith(".css", StringComparison.Ordinal) ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
