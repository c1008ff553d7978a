using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.Relay.Tests;

/// <summary>One request the receiver got, as a webhook consumer would see it.</summary>
public sealed record ReceivedRequest(int Index, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public JsonNode Envelope => JsonNode.Parse(Body)!;

    public string EventId => (string)Envelope["id"]!;

    public string Event => (string)Envelope["event"]!;

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : throw new Xunit.Sdk.XunitException($"No {name} header");
}

/// <summary>What the receiver answers: a status, headers, and optionally a task to wait on first (a slow receiver).</summary>
public sealed record Reply(int Status, IReadOnlyDictionary<string, string>? Headers = null, Task? HoldUntil = null)
{
    public static Reply Ok { get; } = new(200);
}

/// <summary>A small real Kestrel server on 127.0.0.1:0 that records every webhook it gets and answers as told.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private int _count;
    private readonly InFlightCounter _inFlight = new();
    private readonly ConcurrentDictionary<string, InFlightCounter> _inFlightByPath = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Decides the answer to each request; default 200.</summary>
    public Func<ReceivedRequest, Reply> Respond { get; set; } = _ => Reply.Ok;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<ReceivedRequest> Received => _received.ToArray();

    /// <summary>The most requests that were ever open at the same time.</summary>
    public int MaxInFlight => _inFlight.Most;

    public int InFlight => _inFlight.Current;

    /// <summary>The most requests to <paramref name="path"/> that were ever open at the same time.</summary>
    public int MaxInFlightAt(string path) => _inFlightByPath.TryGetValue(path, out var counter) ? counter.Most : 0;

    public string Url(string path = "/hook") => new Uri(BaseAddress, path).ToString();

    public static async Task<WebhookReceiver> StartAsync(string host = "127.0.0.1")
    {
        var app = StandInHost.Create(host);
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        receiver.BaseAddress = await StandInHost.StartAsync(app);
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var atPath = _inFlightByPath.GetOrAdd(context.Request.Path.Value ?? "", _ => new InFlightCounter());
        _inFlight.Enter();
        atPath.Enter();
        try
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var request = new ReceivedRequest(Interlocked.Increment(ref _count), context.Request.Path, headers, body);
            _received.Enqueue(request);
            var reply = Respond(request);
            if (reply.HoldUntil is not null)
            {
                await reply.HoldUntil.WaitAsync(context.RequestAborted);
            }

            context.Response.StatusCode = reply.Status;
            foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }
        }
        catch (OperationCanceledException)
        {
            // The relay gave up on this request (deleted webhook, timeout, shutdown).
        }
        finally
        {
            atPath.Exit();
            _inFlight.Exit();
        }
    }

    public IReadOnlyList<ReceivedRequest> Of(string eventType) => Received.Where(r => r.Event == eventType).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
