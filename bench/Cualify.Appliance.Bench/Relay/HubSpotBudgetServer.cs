using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Bench.Relay;

/// <summary>
/// A HubSpot account for the bench: the contact upsert and call create endpoints (single and batch, date-versioned),
/// behind HubSpot Professional's rolling limit of 190 requests per 10 s with its headers and 429 policyName. It
/// records when each request was admitted and each call's external id, to count budget use and duplicates.
/// </summary>
public sealed class HubSpotBudgetServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly Queue<DateTime> _window = new();
    private readonly ConcurrentQueue<DateTime> _admitted = new();
    private readonly ConcurrentQueue<(DateTime At, int Records)> _created = new();
    private readonly ConcurrentDictionary<string, int> _externalIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _contacts = new(StringComparer.Ordinal);
    private long _nextId;
    private int _tooMany;

    private HubSpotBudgetServer(WebApplication app, int max, TimeSpan window)
    {
        _app = app;
        Max = max;
        Window = window;
    }

    public int Max { get; }

    public TimeSpan Window { get; }

    public string BaseUrl { get; private set; } = "";

    public IReadOnlyList<DateTime> Admitted => _admitted.ToArray();

    public IReadOnlyList<(DateTime At, int Records)> Created => _created.ToArray();

    public int CallsCreated => _externalIds.Values.Sum();

    public int DistinctCalls => _externalIds.Count;

    public int TooManyRequests => Volatile.Read(ref _tooMany);

    public static async Task<HubSpotBudgetServer> StartAsync(int max, TimeSpan window)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new HubSpotBudgetServer(app, max, window);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var now = DateTime.UtcNow;
        int remaining;
        lock (_lock)
        {
            while (_window.Count > 0 && _window.Peek() <= now - Window)
            {
                _window.Dequeue();
            }

            remaining = Max - _window.Count;
            if (remaining > 0)
            {
                _window.Enqueue(now);
            }
        }

        context.Response.Headers["X-HubSpot-RateLimit-Max"] = Max.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-HubSpot-RateLimit-Remaining"] = Math.Max(0, remaining - 1).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = ((long)Window.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        context.Response.ContentType = "application/json";
        if (remaining <= 0)
        {
            Interlocked.Increment(ref _tooMany);
            context.Response.StatusCode = 429;
            await context.Response.WriteAsync("""{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}""");
            return;
        }

        _admitted.Enqueue(now);
        var body = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
        var path = context.Request.Path.Value ?? "";
        var results = new JsonArray();
        if (path.EndsWith("/contacts/batch/upsert", StringComparison.Ordinal))
        {
            foreach (var input in body["inputs"]!.AsArray())
            {
                var email = (string)input!["id"]!;
                var id = _contacts.GetOrAdd(email, _ => Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture));
                results.Add(new JsonObject { ["id"] = id, ["properties"] = new JsonObject { ["email"] = email }, ["new"] = false });
            }

            await context.Response.WriteAsync(new JsonObject { ["status"] = "COMPLETE", ["results"] = results }.ToJsonString());
            return;
        }

        if (path.EndsWith("/calls/search", StringComparison.Ordinal))
        {
            await context.Response.WriteAsync("""{"total":0,"results":[]}""");
            return;
        }

        var inputs = path.EndsWith("/calls/batch/create", StringComparison.Ordinal) ? body["inputs"]!.AsArray().Select(i => i!).ToList() : [body];
        foreach (var input in inputs)
        {
            var externalId = (string)input["properties"]!["hs_call_external_id"]!;
            _externalIds.AddOrUpdate(externalId, 1, (_, n) => n + 1);
            results.Add(new JsonObject
            {
                ["id"] = Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture),
                ["properties"] = new JsonObject { ["hs_call_external_id"] = externalId },
            });
        }

        _created.Enqueue((now, inputs.Count));
        context.Response.StatusCode = 201;
        await context.Response.WriteAsync(inputs.Count == 1 && !path.Contains("batch", StringComparison.Ordinal)
            ? results[0]!.ToJsonString()
            : new JsonObject { ["status"] = "COMPLETE", ["results"] = results }.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
