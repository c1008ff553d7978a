using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>An access token and when it stops working (null for a static token).</summary>
public sealed record AccessToken(string Value, DateTimeOffset? ExpiresAt, bool Refreshed);

/// <summary>
/// HubSpot access tokens per connector: a static token as given, or an OAuth token fetched with the refresh token,
/// cached, and refreshed a few minutes before <c>expires_in</c> runs out by one caller at a time (the others wait
/// for its answer). A refused refresh token is <see cref="CrmAuthFailedException"/>.
/// </summary>
public sealed class HubSpotTokens(CrmHttp http, TimeProvider time)
{
    /// <summary>How long before expiry a token is refreshed, so no request carries one that lapses in flight.</summary>
    public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public string? Token { get; set; }

        public DateTimeOffset ExpiresAt { get; set; }
    }

    private sealed record TokenAnswer(string? AccessToken, int ExpiresIn);

    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    public async Task<AccessToken> GetAsync(string connectorId, string baseUrl, ConnectorCredentials credentials, CancellationToken cancellationToken)
    {
        if (!credentials.UsesOAuth)
        {
            return new AccessToken(credentials.AccessToken!, null, false);
        }

        var slot = _slots.GetOrAdd(connectorId, _ => new Slot());
        if (Fresh(slot) is { } cached)
        {
            return cached;
        }

        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have refreshed while this one waited.
            if (Fresh(slot) is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            var answer = await RefreshAsync(baseUrl, credentials, cancellationToken);
            slot.Token = answer.AccessToken;
            slot.ExpiresAt = time.GetUtcNow() + TimeSpan.FromSeconds(answer.ExpiresIn);
            return new AccessToken(slot.Token!, slot.ExpiresAt, true);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Drops a cached token: the CRM refused it, or the connector has new credentials.</summary>
    public void Forget(string connectorId)
    {
        if (_slots.TryGetValue(connectorId, out var slot))
        {
            slot.Token = null;
        }
    }

    private AccessToken? Fresh(Slot slot) =>
        slot.Token is { } token && slot.ExpiresAt - RefreshAhead > time.GetUtcNow() ? new AccessToken(token, slot.ExpiresAt, false) : null;

    private async Task<TokenAnswer> RefreshAsync(string baseUrl, ConnectorCredentials credentials, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/oauth/v1/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "refresh_token",
                ["client_id"] = credentials.ClientId!,
                ["client_secret"] = credentials.ClientSecret!,
                ["refresh_token"] = credentials.RefreshToken!,
            }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var (response, body) = await http.SendAsync(request, cancellationToken);
        using (response)
        {
            if ((int)response.StatusCode is 400 or 401 or 403)
            {
                throw new CrmAuthFailedException($"HubSpot refused the refresh token ({(int)response.StatusCode}: {HubSpotErrors.Message(body)}); connect the app again and PATCH the new credentials");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CrmRefusedException((int)response.StatusCode, $"HubSpot's token endpoint answered {(int)response.StatusCode}");
            }

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var token = root.TryGetProperty("access_token", out var t) ? t.GetString() : null;
            var expiresIn = root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) ? seconds : 1800;
            if (string.IsNullOrEmpty(token))
            {
                throw new CrmRefusedException(502, "HubSpot's token answer had no access_token");
            }

            return new TokenAnswer(token, expiresIn);
        }
    }
}
