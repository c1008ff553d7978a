using System.Text.Json;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>Reading HubSpot's error bodies (<c>{"status":"error","message","category","policyName",…}</c>).</summary>
internal static class HubSpotErrors
{
    public static string Message(string body) => Field(body, "message") ?? (body.Length > 200 ? body[..200] : body);

    public static string? PolicyName(string body) => Field(body, "policyName");

    private static string? Field(string body, string name)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
