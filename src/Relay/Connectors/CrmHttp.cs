using System.Net;
using System.Net.Http.Headers;
using Cualify.Appliance.Relay.Addresses;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>The refused credentials of a connector: it turns <c>auth_failed</c> and its syncs wait.</summary>
public sealed class CrmAuthFailedException(string message) : Exception(message);

/// <summary>A request whose outcome is unknown (timeout, dropped connection after sending): the record may exist.</summary>
public sealed class CrmOutcomeUnknownException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The CRM (or our own cap on it) says to wait: nothing was written; try again after <see cref="Wait"/>.</summary>
public sealed class CrmRateLimitedException(TimeSpan wait, string message) : Exception(message)
{
    public TimeSpan Wait { get; } = wait;
}

/// <summary>The CRM answered with an error: a 4xx says nothing was written, a 5xx does not say.</summary>
public sealed class CrmRefusedException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>Worth another attempt later (5xx, 408, 409 lock conflicts, a 429 that kept coming) rather than a final failure.</summary>
    public bool Transient => Status is >= 500 or 408 or 409 or 423 or 429;

    /// <summary>How the syncs it ends finish: a 5xx (a gateway's 502 or 504 too) may come after the CRM wrote, so it is unknown.</summary>
    public SyncEnd End => Status >= 500 ? SyncEnd.Unknown : Transient ? SyncEnd.Retry : SyncEnd.Failed;
}

/// <summary>
/// The HTTP client connectors talk to CRMs with: redirects not followed, no proxy, connections only to addresses
/// the webhook rules allow (never link-local or cloud metadata, also after DNS), each request bounded by
/// <see cref="ConnectorsOptions.RequestTimeout"/>. A timeout or a dropped connection is an unknown outcome.
/// </summary>
public sealed class CrmHttp : IDisposable
{
    public static readonly ProductInfoHeaderValue UserAgent = new("Cualify-Appliance-Connectors", "1.0");
    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    public CrmHttp(GuardedConnector connector, IOptions<ConnectorsOptions> options, TimeProvider time)
    {
        _time = time;
        Timeout = options.Value.RequestTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = connector.ConnectAsync,
            ConnectTimeout = Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    public TimeSpan Timeout { get; }

    /// <summary>Sends and reads the whole answer within the timeout.</summary>
    /// <exception cref="CrmOutcomeUnknownException">No complete answer: the CRM may or may not have acted.</exception>
    public async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.UserAgent.Add(UserAgent);
        using var timeout = new CancellationTokenSource(Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var body = await response.Content.ReadAsStringAsync(linked.Token);
            return (response, body);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CrmOutcomeUnknownException($"no answer from {request.RequestUri?.Host} within {Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            throw new CrmOutcomeUnknownException($"request to {request.RequestUri?.Host} failed: {ex.HttpRequestError}", ex);
        }
    }

    public void Dispose() => _client.Dispose();
}
