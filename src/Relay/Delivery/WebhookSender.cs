using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Cualify.Appliance.Relay.Addresses;
using Cualify.Appliance.Relay.Signing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Makes one delivery attempt: <c>POST</c> of the signed envelope with a 10 s limit, redirects not followed,
/// no proxy, connections only to addresses the policy allows; only a 2xx acknowledges.
/// </summary>
public sealed class WebhookSender : IDisposable
{
    private const int ExcerptBytes = 256;
    private static readonly MediaTypeHeaderValue Json = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
    private static readonly ProductInfoHeaderValue UserAgent = new("Cualify-Appliance-Webhooks", "1.0");
    private readonly HttpClient _client;
    // The URL rules depend only on the URL and the configuration, so each URL is checked once per process.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (Uri? Uri, string? Refusal)> _checked = new(StringComparer.Ordinal);
    private readonly WebhookAddressPolicy _policy;
    private readonly TimeProvider _time;
    private readonly TimeSpan _timeout;

    public WebhookSender(GuardedConnector connector, WebhookAddressPolicy policy, IOptions<RelayOptions> options, TimeProvider time)
    {
        _policy = policy;
        _time = time;
        _timeout = options.Value.RequestTimeout;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectCallback = connector.ConnectAsync,
            ConnectTimeout = _timeout,
            // DNS answers change; pooled connections are re-made (and re-checked) at least this often.
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            // No per-server connection limit: two endpoints on one host must not queue behind each other;
            // the dispatcher's per-endpoint and global caps bound the requests in flight.
        };
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    internal async Task<AttemptOutcome> SendAsync(DeliveryJob job, CancellationToken stopping)
    {
        var delivery = job.Delivery;
        var attemptedAt = _time.GetUtcNow();
        var started = _time.GetTimestamp();
        AttemptOutcome Outcome(AttemptEnd end, int? status, string? error, string failureKind, TimeSpan? retryAfter = null) =>
            new(delivery, end, attemptedAt, _time.GetElapsedTime(started), status, error, failureKind, retryAfter);

        if (_checked.Count > 10_000)
        {
            _checked.Clear();
        }

        var (uri, refusal) = _checked.GetOrAdd(job.Url.OriginalString, url => (_policy.Check(url, out var parsed) is { } refused ? (null, refused) : (parsed, null)));
        if (refusal is not null)
        {
            return Outcome(AttemptEnd.Answered, null, refusal, "refused");
        }

        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, job.Cancel, stopping);
        try
        {
            using var request = BuildRequest(job, uri!, attemptedAt);
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return Outcome(AttemptEnd.Answered, status, null, "");
            }

            var retryAfter = status is 429 or 503 ? DeliveryRetrySchedule.RetryAfter(response.Headers.RetryAfter, _time.GetUtcNow()) : null;
            var excerpt = await ExcerptAsync(response, linked.Token);
            var error = $"receiver answered {status} {response.ReasonPhrase}".TrimEnd() + (excerpt.Length > 0 ? $": {excerpt}" : "");
            if (status is >= 300 and < 400 && response.Headers.Location is { } location)
            {
                error = $"receiver answered {status} redirecting to {location}; redirects are not followed, register the final URL";
            }

            return Outcome(AttemptEnd.Answered, status, error, status switch { >= 500 => "http_5xx", >= 400 => "http_4xx", _ => "http_3xx" }, retryAfter);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return Outcome(AttemptEnd.Interrupted, null, "the appliance stopped during the attempt", "interrupted");
        }
        catch (OperationCanceledException) when (job.Cancel.IsCancellationRequested)
        {
            return Outcome(AttemptEnd.Canceled, null, "webhook deleted during the attempt", "canceled");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Outcome(AttemptEnd.Answered, null, $"no answer within {_timeout.TotalSeconds:0.#} s", "timeout");
        }
        catch (HttpRequestException ex)
        {
            return Find<AddressRefusedException>(ex) is { } refused
                ? Outcome(AttemptEnd.Answered, null, refused.Message, "refused")
                : Outcome(AttemptEnd.Answered, null, Describe(ex), "connection");
        }
    }

    private static HttpRequestMessage BuildRequest(DeliveryJob job, Uri uri, DateTimeOffset attemptedAt)
    {
        var signature = WebhookSigner.Sign(job.Delivery.EventId, attemptedAt, job.Body, job.Secret, job.PreviousSecret);
        var content = new ByteArrayContent(job.Body);
        content.Headers.ContentType = Json;
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
        request.Headers.UserAgent.Add(UserAgent);
        request.Headers.TryAddWithoutValidation(WebhookSigner.CualifySignatureHeader, signature.CualifySignature);
        if (signature.PreviousCualifySignature is not null)
        {
            request.Headers.TryAddWithoutValidation(WebhookSigner.PreviousCualifySignatureHeader, signature.PreviousCualifySignature);
        }

        request.Headers.TryAddWithoutValidation(WebhookSigner.IdHeader, signature.WebhookId);
        request.Headers.TryAddWithoutValidation(WebhookSigner.TimestampHeader, signature.WebhookTimestamp);
        request.Headers.TryAddWithoutValidation(WebhookSigner.SignatureHeader, signature.WebhookSignature);
        return request;
    }

    /// <summary>The start of an error response, as text on one line, for the delivery history.</summary>
    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[ExcerptBytes];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            {
                read += n;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read);
            return string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }

    private static string Describe(HttpRequestException ex) => Find<SocketException>(ex) switch
    {
        { SocketErrorCode: SocketError.ConnectionRefused } => "connection refused",
        { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData } => "host not found",
        { SocketErrorCode: SocketError.TimedOut } => "connection timed out",
        { SocketErrorCode: SocketError.ConnectionReset } => "connection reset by the receiver",
        { } socket => $"network error: {socket.SocketErrorCode}",
        null => ex.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError => "TLS handshake failed (certificate not trusted or protocol mismatch)",
            HttpRequestError.ResponseEnded => "the receiver closed the connection without answering",
            HttpRequestError.InvalidResponse => "the receiver's answer was not valid HTTP",
            _ => $"request failed: {ex.HttpRequestError}",
        },
    };

    private static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is T match)
            {
                return match;
            }
        }

        return null;
    }

    public void Dispose() => _client.Dispose();
}
