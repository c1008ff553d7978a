using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>A Zoho access token, the data centre's API domain it names, and when it stops working.</summary>
public sealed record ZohoToken(string Value, string ApiDomain, DateTimeOffset ExpiresAt, bool Refreshed);

/// <summary>
/// Zoho access tokens per connector, from <c>{accounts_url}/oauth/v2/token</c> with the refresh token: cached until
/// shortly before <c>expires_in</c>, fetched by one caller at a time, and never more than
/// <see cref="MaxRefreshes"/> times in <see cref="RefreshWindow"/> (Zoho's own limit per refresh token). API calls go
/// to the <c>api_domain</c> of the answer. A refused refresh token is <see cref="CrmAuthFailedException"/>.
/// </summary>
public sealed class ZohoTokens(CrmHttp http, TimeProvider time)
{
    public const int MaxRefreshes = 10;
    public static readonly TimeSpan RefreshWindow = TimeSpan.FromMinutes(10);
    public static readonly TimeSpan RefreshAhead = TimeSpan.FromMinutes(5);

    private sealed class Slot
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public ZohoToken? Token { get; set; }

        public Queue<DateTimeOffset> Refreshes { get; } = new();
    }

    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <exception cref="CrmRateLimitedException">Ten refreshes in the last ten minutes already.</exception>
    public async Task<ZohoToken> GetAsync(string connectorId, string accountsUrl, ConnectorCredentials credentials, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(connectorId, _ => new Slot());
        if (Fresh(slot) is { } cached)
        {
            return cached;
        }

        await slot.Gate.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(slot) is { } refreshedMeanwhile)
            {
                return refreshedMeanwhile;
            }

            var now = time.GetUtcNow();
            while (slot.Refreshes.Count > 0 && slot.Refreshes.Peek() + RefreshWindow <= now)
            {
                slot.Refreshes.Dequeue();
            }

            if (slot.Refreshes.Count >= MaxRefreshes)
            {
                throw new CrmRateLimitedException(slot.Refreshes.Peek() + RefreshWindow - now,
                    $"{MaxRefreshes} Zoho token refreshes in {RefreshWindow.TotalMinutes:0} minutes already; waiting before the next");
            }

            try
            {
                slot.Token = await RefreshAsync(accountsUrl, credentials, cancellationToken);
                return slot.Token;
            }
            finally
            {
                // Counted from when the answer came (Zoho saw the request before then), so that ten minutes between
                // this and the refresh it is weighed against later hold on Zoho's clock too, whatever the delays.
                slot.Refreshes.Enqueue(time.GetUtcNow());
            }
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    public void Forget(string connectorId)
    {
        if (_slots.TryGetValue(connectorId, out var slot))
        {
            slot.Token = null;
        }
    }

    private ZohoToken? Fresh(Slot slot) =>
        slot.Token is { } token && token.ExpiresAt - RefreshAhead > time.GetUtcNow() ? token with { Refreshed = false } : null;

    private async Task<ZohoToken> RefreshAsync(string accountsUrl, ConnectorCredentials credentials, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{accountsUrl}/oauth/v2/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["refresh_token"] = credentials.RefreshToken!,
                ["client_id"] = credentials.ClientId!,
                ["client_secret"] = credentials.ClientSecret!,
                ["grant_type"] = "refresh_token",
            }),
        };
        var (response, body) = await http.SendAsync(request, cancellationToken);
        using (response)
        {
            JsonNode? answer = null;
            try
            {
                answer = JsonNode.Parse(body);
            }
            catch (System.Text.Json.JsonException)
            {
            }

            // Zoho answers a bad refresh token with 200 and {"error":"invalid_code"}.
            var error = answer?["error"]?.ToString();
            if (error is not null || (int)response.StatusCode is 400 or 401)
            {
                throw new CrmAuthFailedException($"Zoho refused the refresh token ({error ?? ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)}); generate a new grant and PATCH the new credentials");
            }

            if (!response.IsSuccessStatusCode || answer?["access_token"]?.ToString() is not { Length: > 0 } token || answer["api_domain"]?.ToString() is not { Length: > 0 } apiDomain)
            {
                throw new CrmRefusedException((int)response.StatusCode >= 500 ? (int)response.StatusCode : 502, $"Zoho's token endpoint answered {(int)response.StatusCode} without a token");
            }

            var expiresIn = answer["expires_in"] is JsonValue v && v.TryGetValue<int>(out var seconds) ? seconds : 3600;
            return new ZohoToken(token, apiDomain.TrimEnd('/'), time.GetUtcNow() + TimeSpan.FromSeconds(expiresIn), true);
        }
    }
}
