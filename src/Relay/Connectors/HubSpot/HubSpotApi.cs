using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>The daily limit of the HubSpot account is spent: the connector pauses and says so.</summary>
public sealed class HubSpotDailyLimitException(string message) : Exception(message);

/// <summary>One HubSpot answer: status and parsed JSON body (an empty object when there is none).</summary>
public sealed record HubSpotAnswer(int Status, JsonNode Body);

/// <summary>
/// Requests to one connector's HubSpot account: the bearer token (refreshed once and retried on a 401), the
/// rate window before each request, and 429s handled by their <c>policyName</c> — a rolling window waits it out
/// and sends again, <c>DAILY</c> stops the batch. Paths are date-versioned: <c>/crm/objects/{api_version}/…</c>.
/// </summary>
public sealed class HubSpotApi(CrmHttp http, HubSpotTokens tokens, TimeProvider time)
{
    private const int MaxRateRetries = 5;
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json");
    private readonly ConcurrentDictionary<string, HubSpotRateWindow> _windows = new(StringComparer.Ordinal);

    /// <summary>What one batch learnt, for the connector's health and metrics.</summary>
    public sealed class Session(Connector connector, ConnectorCredentials credentials, ConnectorOptionsJson options, HubSpotRateWindow window)
    {
        public Connector Connector { get; } = connector;

        public ConnectorCredentials Credentials { get; } = credentials;

        public ConnectorOptionsJson Options { get; } = options;

        public HubSpotRateWindow Window { get; } = window;

        public DateTimeOffset? TokenExpiresAt { get; set; }

        public int RateLimitWaits { get; set; }

        public int TokenRefreshes { get; set; }

        public string ObjectsPath(string objectType) => $"{Options.BaseUrl}/crm/objects/{Options.ApiVersion}/{objectType}";
    }

    public Session Open(Connector connector, ConnectorCredentials credentials) =>
        new(connector, credentials, connector.ParsedOptions, _windows.GetOrAdd(connector.Id, _ => new HubSpotRateWindow(time)));

    /// <exception cref="CrmAuthFailedException">The token or refresh token was refused.</exception>
    /// <exception cref="HubSpotDailyLimitException">The account's daily limit is spent.</exception>
    /// <exception cref="CrmOutcomeUnknownException">No answer: the CRM may have acted.</exception>
    public async Task<HubSpotAnswer> SendAsync(Session session, HttpMethod method, string url, object? body, bool search, CancellationToken cancellationToken)
    {
        var payload = body is null ? null : JsonSerializer.Serialize(body);
        var refreshedAfter401 = false;
        for (var rateRetries = 0; ; )
        {
            var token = await tokens.GetAsync(session.Connector.Id, session.Options.BaseUrl, session.Credentials, cancellationToken);
            if (token.Refreshed)
            {
                session.TokenRefreshes++;
            }

            session.TokenExpiresAt = token.ExpiresAt ?? session.TokenExpiresAt;
            if (await session.Window.WaitTurnAsync(search, cancellationToken))
            {
                session.RateLimitWaits++;
            }

            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
            if (payload is not null)
            {
                request.Content = new StringContent(payload, Encoding.UTF8);
                request.Content.Headers.ContentType = Json;
            }

            var (response, text) = await http.SendAsync(request, cancellationToken);
            using (response)
            {
                session.Window.Observe(response.Headers);
                var status = (int)response.StatusCode;
                if (status == 401)
                {
                    tokens.Forget(session.Connector.Id);
                    if (session.Credentials.UsesOAuth && !refreshedAfter401)
                    {
                        refreshedAfter401 = true;
                        continue;
                    }

                    throw new CrmAuthFailedException($"HubSpot refused the access token (401: {HubSpotErrors.Message(text)})");
                }

                if (status == 429)
                {
                    var policy = HubSpotErrors.PolicyName(text);
                    if (policy == "DAILY")
                    {
                        throw new HubSpotDailyLimitException("HubSpot's DAILY API limit for this account is reached; writes pause for an hour at a time until it resets");
                    }

                    if (++rateRetries > MaxRateRetries)
                    {
                        throw new CrmRefusedException(429, $"HubSpot kept answering 429 ({policy ?? "no policyName"})");
                    }

                    session.Window.Exceeded(policy == "SECONDLY" ? TimeSpan.FromSeconds(1) : session.Window.Interval);
                    session.RateLimitWaits++;
                    continue;
                }

                return new HubSpotAnswer(status, string.IsNullOrWhiteSpace(text) ? new JsonObject() : ParseOrText(text));
            }
        }
    }

    private static JsonNode ParseOrText(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? new JsonObject();
        }
        catch (JsonException)
        {
            return new JsonObject { ["message"] = text.Length > 200 ? text[..200] : text };
        }
    }
}
