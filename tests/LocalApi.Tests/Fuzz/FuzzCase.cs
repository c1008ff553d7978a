namespace Cualify.Appliance.LocalApi.Tests.Fuzz;

/// <summary>One hostile request: what it targets, what it sends, and a short name for the failure list.</summary>
public sealed record FuzzCase(ApiOperation Operation, string Kind, string Url, byte[]? Body = null, string? ContentType = null,
    IReadOnlyList<(string Name, string Value)>? Headers = null)
{
    public string Describe() =>
        $"{Operation.Method} {Url[..Math.Min(Url.Length, 160)]} [{Kind}]" + (Body is null ? "" : $" body: {Preview(Body)}");

    private static string Preview(byte[] body)
    {
        var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 120));
        return body.Length > 120 ? $"{text}… ({body.Length} bytes)" : text;
    }
}
