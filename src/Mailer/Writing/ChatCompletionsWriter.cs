using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Cualify.Appliance.Core.Sequences.Writing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Writing;

/// <summary>
/// The client of the customer's chat-completions endpoint (<c>Sequences:Writer</c>). It lives in the Mailer because
/// writing is part of the email steps the Mailer owns (DESIGN.md: Mailer ──chat completions──▶ step writer) and it is
/// one more kind of outside I/O that Core must not do itself; Core builds the request and judges the answer.
/// <para>
/// At most <c>MaxConcurrentPerOrg</c> requests of one org are in flight; the rest wait their turn (within the
/// caller's timeout). A 429, a 5xx or a dropped connection is retried after the configured delays (the server's
/// <c>Retry-After</c>, when it sends one, instead); other statuses fail at once. The key goes only into the
/// <c>Authorization</c> header: no handler logs requests, and failures are described by status and error type only.
/// </para>
/// </summary>
public sealed class ChatCompletionsWriter(IOptions<StepWriterOptions> options, TimeProvider time, ILogger<ChatCompletionsWriter> logger) : IStepWriter, IDisposable
{
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.Ordinal);

    public bool IsConfigured => options.Value.IsConfigured;

    public string Model => options.Value.Model ?? "";

    public async Task<WriterReply> WriteAsync(string orgId, WriterRequest request, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(orgId, _ => new SemaphoreSlim(options.Value.MaxConcurrentPerOrg));
        await slot.WaitAsync(cancellationToken);
        try
        {
            return await SendWithRetriesAsync(ChatCompletionsWire.RequestBody(request), cancellationToken);
        }
        finally
        {
            slot.Release();
        }
    }

    private async Task<WriterReply> SendWithRetriesAsync(string body, CancellationToken cancellationToken)
    {
        var delays = options.Value.EffectiveRetryDelays;
        for (var attempt = 0; ; attempt++)
        {
            var (reply, transient, retryAfter) = await SendOnceAsync(body, cancellationToken);
            if (!transient || attempt >= delays.Count)
            {
                return reply;
            }

            var wait = retryAfter is { } after && after > TimeSpan.Zero ? (after < MaxRetryAfter ? after : MaxRetryAfter) : delays[attempt];
            logger.LogInformation("The step writer failed ({Detail}); retry {Retry} of {Retries} in {Wait}", reply.Detail, attempt + 1, delays.Count, wait);
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private async Task<(WriterReply Reply, bool Transient, TimeSpan? RetryAfter)> SendOnceAsync(string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.CompletionsUrl())
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(options.Value.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.ApiKey);
        }

        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (ChatCompletionsWire.ReadCompletion(text), false, null);
            }

            var transient = response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500;
            return (WriterReply.Failure(ChatCompletionsWire.DescribeError(status, text)), transient, RetryAfter(response));
        }
        catch (HttpRequestException failure) when (!cancellationToken.IsCancellationRequested)
        {
            return (WriterReply.Failure($"the writer could not be reached ({failure.HttpRequestError})"), true, null);
        }
    }

    /// <summary>GET <c>…/models</c> with the key, as <c>doctor</c> asks it: the status, and the model ids when it answered 200.</summary>
    public async Task<(int Status, string Body)> ListModelsAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(options.Value.Endpoint!.AbsoluteUri.TrimEnd('/') + "/"), "models"));
        if (!string.IsNullOrEmpty(options.Value.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.ApiKey);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

    public void Dispose()
    {
        _http.Dispose();
        foreach (var slot in _slots.Values)
        {
            slot.Dispose();
        }
    }
}
