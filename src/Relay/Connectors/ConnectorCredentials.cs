using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>
/// What a connector signs in with: a static token (HubSpot service key or private-app token) or an OAuth client with
/// its refresh token, plus the app secret that signs HubSpot's requests to us. Stored only sealed.
/// </summary>
public sealed record ConnectorCredentials(string? AccessToken, string? ClientId, string? ClientSecret, string? RefreshToken, string? AppSecret)
{
    private static readonly string[] Fields = ["access_token", "client_id", "client_secret", "refresh_token", "app_secret"];

    public bool UsesOAuth => AccessToken is null;

    public string ToJson() => JsonSerializer.Serialize(new Dictionary<string, string?>
    {
        ["access_token"] = AccessToken,
        ["client_id"] = ClientId,
        ["client_secret"] = ClientSecret,
        ["refresh_token"] = RefreshToken,
        ["app_secret"] = AppSecret,
    });

    public static ConnectorCredentials FromJson(string json)
    {
        var values = JsonSerializer.Deserialize<Dictionary<string, string?>>(json) ?? [];
        return new ConnectorCredentials(values.GetValueOrDefault("access_token"), values.GetValueOrDefault("client_id"),
            values.GetValueOrDefault("client_secret"), values.GetValueOrDefault("refresh_token"), values.GetValueOrDefault("app_secret"));
    }

    /// <summary>Reads and checks the credentials an admin sent for a connector of <paramref name="kind"/>.</summary>
    public static ConnectorCredentials Read(string kind, JsonObject? body, FieldErrors errors)
    {
        if (body is null)
        {
            errors.Add("credentials", kind == ConnectorKinds.Zoho
                ? "credentials must be {client_id, client_secret, refresh_token}"
                : "credentials must be {access_token} or {client_id, client_secret, refresh_token}");
            return new ConnectorCredentials(null, null, null, null, null);
        }

        foreach (var (name, _) in body.Where(p => !Fields.Contains(p.Key)))
        {
            errors.Add($"credentials.{name}", $"'{name}' is not a credential field; known: {string.Join(", ", Fields)}");
        }

        string? Text(string name)
        {
            var node = body[name];
            if (node is JsonValue value && value.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text))
            {
                return text.Trim();
            }

            if (node is not null)
            {
                errors.Add($"credentials.{name}", $"credentials.{name} must be a non-empty string");
            }

            return null;
        }

        var credentials = new ConnectorCredentials(Text("access_token"), Text("client_id"), Text("client_secret"), Text("refresh_token"), Text("app_secret"));
        var hasOAuth = credentials is { ClientId: not null, ClientSecret: not null, RefreshToken: not null };
        if (kind == ConnectorKinds.Zoho && !hasOAuth)
        {
            errors.Add("credentials", "Zoho credentials must be {client_id, client_secret, refresh_token} (a self client's grant from the API console)");
        }
        else if (kind == ConnectorKinds.HubSpot && credentials.AccessToken is null && !hasOAuth)
        {
            errors.Add("credentials", "HubSpot credentials must be {access_token} (a service key or private-app token) or {client_id, client_secret, refresh_token}");
        }
        else if (kind == ConnectorKinds.HubSpot && credentials.AccessToken is not null && credentials.RefreshToken is not null)
        {
            errors.Add("credentials", "give either access_token or the OAuth fields, not both");
        }

        return credentials;
    }
}
