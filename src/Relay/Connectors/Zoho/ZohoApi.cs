using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>One Zoho answer: status and body (null for 204 No Content, Zoho's "nothing found").</summary>
public sealed record ZohoAnswer(int Status, JsonNode? Body)
{
    /// <summary>The first record of <c>data</c>, or null (a 204, an empty list).</summary>
    public JsonNode? First => Body?["data"] is JsonArray data && data.Count > 0 ? data[0] : null;

    /// <exception cref="CrmRefusedException">Anything but a 2xx: nothing was written.</exception>
    public ZohoAnswer Require(string what)
    {
        if (Status is < 200 or >= 300)
        {
            var code = Body?["code"]?.ToString() ?? Body?["data"]?[0]?["code"]?.ToString();
            throw new CrmRefusedException(Status, $"Zoho answered {Status} {what}: {code} {Body?["message"] ?? Body?["data"]?[0]?["message"]}");
        }

        return this;
    }
}

/// <summary>
/// Requests to one connector's Zoho CRM: <c>{api_domain}/crm/v8/…</c> with <c>Authorization: Zoho-oauthtoken …</c>
/// (refreshed once and retried on a 401), a <c>429</c> turned into a wait, and at most <c>options.concurrency</c>
/// requests in flight.
/// </summary>
public sealed class ZohoApi(CrmHttp http, ZohoTokens tokens)
{
    public const string Version = "v8";
    public const string DefaultAccountsUrl = "https://accounts.zoho.com";
    private static readonly TimeSpan DefaultBackoff = TimeSpan.FromSeconds(60);

    public sealed class Session(Connector connector, ConnectorCredentials credentials, ConnectorOptionsJson options)
    {
        public Connector Connector { get; } = connector;

        public ConnectorCredentials Credentials { get; } = credentials;

        public ConnectorOptionsJson Options { get; } = options;

        public SemaphoreSlim Gate { get; } = new(options.Concurrency, options.Concurrency);

        public DateTimeOffset? TokenExpiresAt { get; set; }

        private int _refreshes;

        private int _rateLimitWaits;

        public int TokenRefreshes => Volatile.Read(ref _refreshes);

        public int RateLimitWaits => Volatile.Read(ref _rateLimitWaits);

        internal void Refreshed() => Interlocked.Increment(ref _refreshes);

        internal void RateLimited() => Interlocked.Increment(ref _rateLimitWaits);

        /// <summary>Set by the first rate limit of the batch: the requests still queued behind the gate are not sent.</summary>
        internal CrmRateLimitedException? Halted { get; private set; }

        internal CrmRateLimitedException Halt(CrmRateLimitedException limit)
        {
            Halted ??= limit;
            return limit;
        }
    }

    /// <param name="path">After <c>/crm/v8/</c>, e.g. <c>Calls</c> or <c>Contacts/search?email=…</c>.</param>
    public async Task<ZohoAnswer> SendAsync(Session session, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var accounts = session.Options.AccountsUrl ?? DefaultAccountsUrl;
        var payload = body is null ? null : JsonSerializer.Serialize(body);
        await session.Gate.WaitAsync(cancellationToken);
        try
        {
            for (var retriedAfter401 = false; ; retriedAfter401 = true)
            {
                if (session.Halted is { } halted)
                {
                    throw new CrmRateLimitedException(halted.Wait, halted.Message);
                }

                ZohoToken token;
                try
                {
                    token = await tokens.GetAsync(session.Connector.Id, accounts, session.Credentials, cancellationToken);
                }
                catch (CrmRateLimitedException limit)
                {
                    throw session.Halt(limit);
                }

                if (token.Refreshed)
                {
                    session.Refreshed();
                }

                session.TokenExpiresAt = token.ExpiresAt;
                using var request = new HttpRequestMessage(method, $"{token.ApiDomain}/crm/{Version}/{path}");
                request.Headers.Authorization = new AuthenticationHeaderValue("Zoho-oauthtoken", token.Value);
                if (payload is not null)
                {
                    request.Content = new StringContent(payload, Encoding.UTF8);
                    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
                }

                var (response, text) = await http.SendAsync(request, cancellationToken);
                using (response)
                {
                    var status = (int)response.StatusCode;
                    if (status == 401 && !retriedAfter401)
                    {
                        tokens.Forget(session.Connector.Id);
                        continue;
                    }

                    if (status == 401)
                    {
                        throw new CrmAuthFailedException($"Zoho refused the access token (401: {Message(text)})");
                    }

                    if (status == 429)
                    {
                        var wait = response.Headers.RetryAfter?.Delta ?? DefaultBackoff;
                        throw session.Halt(new CrmRateLimitedException(wait, $"Zoho answered 429 (too many requests); waiting {wait.TotalSeconds:0} s"));
                    }

                    return new ZohoAnswer(status, string.IsNullOrWhiteSpace(text) ? null : Parse(text));
                }
            }
        }
        finally
        {
            session.Gate.Release();
        }
    }

    internal static string Message(string text) => Parse(text)?["message"]?.ToString() ?? (text.Length > 200 ? text[..200] : text);

    private static JsonNode? Parse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return new JsonObject { ["message"] = text.Length > 200 ? text[..200] : text };
        }
    }
}
