using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>One record the stand-in holds.</summary>
public sealed record HubSpotRecord(string Id, string Type, Dictionary<string, string> Properties, List<(string ToId, int TypeId)> Associations);

/// <summary>
/// A HubSpot CRM stand-in on real Kestrel (127.0.0.1:0) that checks requests the way HubSpot documents them —
/// date-versioned paths (<c>/crm/objects/2026-09/…</c>), a bearer token it issued or was given, the call and email
/// properties with their types and units, HUBSPOT_DEFINED association ids 194/198 to existing contacts, batch
/// inputs of at most 100 — and answers like HubSpot: 201/200 with ids, <c>X-HubSpot-RateLimit-*</c> headers, a
/// real rolling window answered with 429 and <c>policyName</c>, OAuth tokens that expire and refresh tokens that
/// can be revoked. It can be told to create a record and then not answer (a timeout after the create).
/// </summary>
public sealed class HubSpotStandIn : IAsyncDisposable
{
    public const string Version = "2026-09";
    public const string ClientId = "client-1";
    public const string ClientSecret = "client-secret-1";
    public const string RefreshToken = "refresh-1";

    private static readonly HashSet<string> CallStatuses = ["BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "NO_ANSWER", "QUEUED", "RINGING"];
    private static readonly HashSet<string> Dispositions =
    [
        "9d9162e7-6cf3-4944-bf63-4dff82258764", "f240bbac-87c9-4f6e-bf70-924b57d47db7", "a4c4c377-d246-4b32-a13b-75a56a4cd0ff",
        "b2cf5968-551e-4856-9783-52b3da59a7d0", "73a0d17f-1163-4015-bdd5-ec830791da20", "17b47fee-58de-441e-a44c-c6300d46f273",
    ];

    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly Dictionary<string, HubSpotRecord> _records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _searchableAt = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> _window = new();
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<DateTimeOffset> _tooMany = new();
    private long _nextId = 1000;
    private int _refreshes;
    private string _refreshToken = RefreshToken;

    private HubSpotStandIn(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>HubSpot's clock: the rolling window and token lifetimes run on it (the test's fake clock when it has one).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public string BaseUrl => BaseAddress.ToString().TrimEnd('/');

    /// <summary>A private-app token accepted as is (null: only tokens issued by the OAuth endpoint).</summary>
    public string? StaticToken { get; set; } = "pat-na1-static";

    public int TokenLifetimeSeconds { get; set; } = 1800;

    /// <summary>How long a created record stays out of search results (HubSpot's search index trails its writes).</summary>
    public TimeSpan SearchLag { get; set; } = TimeSpan.Zero;

    /// <summary>Requests per rolling window, and the window (HubSpot Professional: 190 per 10 s).</summary>
    public int WindowMax { get; set; } = 190;

    public TimeSpan WindowLength { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>When set, creating calls is refused with a 400 validation error (a required property the portal added).</summary>
    public bool RefuseCallCreates { get; set; }

    /// <summary>When set, every request gets 429 DAILY.</summary>
    public bool DailyLimitReached { get; set; }

    /// <summary>External ids (or email Message-IDs) whose create is stored and then left unanswered until released.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> HoldAfterCreate { get; } = new(StringComparer.Ordinal);

    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <summary>"METHOD path" of every request, in order.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    public IReadOnlyList<DateTimeOffset> TooManyRequestsAt => _tooMany.ToArray();

    public IReadOnlyList<HubSpotRecord> Records(string type)
    {
        lock (_lock)
        {
            return _records.Values.Where(r => r.Type == type).ToList();
        }
    }

    public HubSpotRecord AddContact(Dictionary<string, string> properties)
    {
        lock (_lock)
        {
            return Add("contacts", properties, []);
        }
    }

    /// <summary>The refresh token stops working, and every issued access token with it (an app uninstalled).</summary>
    public void Revoke(string newRefreshToken)
    {
        lock (_lock)
        {
            _refreshToken = newRefreshToken;
            _tokens.Clear();
            StaticToken = null;
        }
    }

    public void ExpireTokens()
    {
        lock (_lock)
        {
            _tokens.Clear();
        }
    }

    public static async Task<HubSpotStandIn> StartAsync()
    {
        var app = StandInHost.Create();
        var standIn = new HubSpotStandIn(app);
        app.Run(standIn.HandleAsync);
        standIn.BaseAddress = await StandInHost.StartAsync(app);
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        _requests.Enqueue($"{request.Method} {path}");
        if (path == "/oauth/v1/token")
        {
            await TokenAsync(context);
            return;
        }

        if (!Authorized(request))
        {
            await ReplyAsync(context, 401, new JsonObject { ["status"] = "error", ["message"] = "Authentication credentials not found.", ["category"] = "INVALID_AUTHENTICATION" });
            return;
        }

        if (!await AdmitAsync(context))
        {
            return;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["crm", "objects", var version, var type, ..] || version != Version || type is not ("contacts" or "calls" or "emails"))
        {
            await ReplyAsync(context, 404, new JsonObject { ["status"] = "error", ["message"] = $"No route for {path}", ["category"] = "OBJECT_NOT_FOUND" });
            return;
        }

        var rest = string.Join('/', parts[4..]);
        if (request.Method == "GET" && rest.Length == 0)
        {
            await ReplyAsync(context, 200, new JsonObject { ["results"] = new JsonArray() });
            return;
        }

        JsonNode body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body) ?? new JsonObject();
        }
        catch (JsonException)
        {
            await ReplyAsync(context, 400, Error("Invalid input JSON"));
            return;
        }

        var (status, answer, hold) = Route(type, rest, body);
        if (hold is not null)
        {
            try
            {
                await hold.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        await ReplyAsync(context, status, answer);
    }

    private (int Status, JsonNode Body, Task? Hold) Route(string type, string rest, JsonNode body)
    {
        lock (_lock)
        {
            return (type, rest) switch
            {
                ("contacts", "batch/upsert") => UpsertContacts(body),
                ("contacts", "batch/read") => ReadContacts(body),
                ("contacts", "batch/update") => UpdateContacts(body),
                ("contacts", "batch/create") => CreateBatch("contacts", body),
                (_, "search") => Search(type, body),
                (_, "batch/create") => CreateBatch(type, body),
                ("calls" or "emails", "") => CreateOne(type, body),
                _ => (404, Error($"No route for {type}/{rest}"), null),
            };
        }
    }

    private (int, JsonNode, Task?) CreateOne(string type, JsonNode input)
    {
        if (Check(type, input) is { } problem)
        {
            return (400, Error(problem), null);
        }

        var record = AddFrom(type, input);
        return (201, View(record), HoldFor(record));
    }

    private (int, JsonNode, Task?) CreateBatch(string type, JsonNode body)
    {
        var inputs = body["inputs"]?.AsArray();
        if (inputs is null || inputs.Count is 0 or > 100)
        {
            return (400, Error("inputs must hold 1 to 100 records"), null);
        }

        foreach (var input in inputs)
        {
            if (Check(type, input!) is { } problem)
            {
                return (400, Error(problem), null);
            }
        }

        var created = inputs.Select(i => AddFrom(type, i!)).ToList();
        // HubSpot does not promise the order of batch results.
        var results = new JsonArray(created.AsEnumerable().Reverse().Select(View).ToArray<JsonNode?>());
        var hold = created.Select(HoldFor).FirstOrDefault(h => h is not null);
        return (201, new JsonObject { ["status"] = "COMPLETE", ["results"] = results }, hold);
    }

    private (int, JsonNode, Task?) UpsertContacts(JsonNode body)
    {
        var results = new JsonArray();
        foreach (var input in body["inputs"]!.AsArray())
        {
            if ((string?)input!["idProperty"] != "email")
            {
                return (400, Error("idProperty must be a unique property such as email"), null);
            }

            var email = ((string)input["id"]!).ToLowerInvariant();
            var existing = _records.Values.FirstOrDefault(r => r.Type == "contacts" && r.Properties.GetValueOrDefault("email") == email);
            var isNew = existing is null;
            existing ??= Add("contacts", new Dictionary<string, string> { ["email"] = email }, []);
            foreach (var (name, value) in input["properties"]?.AsObject() ?? [])
            {
                existing.Properties[name] = name == "email" ? value!.ToString().ToLowerInvariant() : value!.ToString();
            }

            var view = View(existing);
            view["new"] = isNew;
            results.Add(view);
        }

        return (200, new JsonObject { ["status"] = "COMPLETE", ["results"] = results }, null);
    }

    private (int, JsonNode, Task?) ReadContacts(JsonNode body)
    {
        var results = new JsonArray();
        var errors = new JsonArray();
        foreach (var input in body["inputs"]!.AsArray())
        {
            var email = ((string)input!["id"]!).ToLowerInvariant();
            if (_records.Values.FirstOrDefault(r => r.Type == "contacts" && r.Properties.GetValueOrDefault("email") == email) is { } found)
            {
                results.Add(View(found));
            }
            else
            {
                errors.Add(new JsonObject { ["status"] = "error", ["category"] = "OBJECT_NOT_FOUND", ["message"] = $"Could not get some CONTACT objects, they may be deleted or not exist." });
            }
        }

        return (errors.Count > 0 ? 207 : 200, new JsonObject { ["status"] = "COMPLETE", ["results"] = results, ["errors"] = errors, ["numErrors"] = errors.Count }, null);
    }

    private (int, JsonNode, Task?) UpdateContacts(JsonNode body)
    {
        var results = new JsonArray();
        foreach (var input in body["inputs"]!.AsArray())
        {
            if (!_records.TryGetValue((string)input!["id"]!, out var record) || record.Type != "contacts")
            {
                return (404, Error($"Contact {input["id"]} does not exist"), null);
            }

            foreach (var (name, value) in input["properties"]!.AsObject())
            {
                record.Properties[name] = value!.ToString();
            }

            results.Add(View(record));
        }

        return (200, new JsonObject { ["status"] = "COMPLETE", ["results"] = results }, null);
    }

    private (int, JsonNode, Task?) Search(string type, JsonNode body)
    {
        var groups = body["filterGroups"]?.AsArray() ?? [];
        if (groups.Count > 5)
        {
            return (400, Error("at most 5 filterGroups"), null);
        }

        var now = Clock.GetUtcNow();
        var matches = _records.Values.Where(r => r.Type == type && _searchableAt[r.Id] <= now && groups.Any(g => g!["filters"]!.AsArray().All(f => Matches(r, f!)))).ToList();
        var results = new JsonArray(matches.Take((int?)body["limit"] ?? 10).Select(View).ToArray<JsonNode?>());
        return (200, new JsonObject { ["total"] = matches.Count, ["results"] = results }, null);
    }

    private static bool Matches(HubSpotRecord record, JsonNode filter)
    {
        var value = record.Properties.GetValueOrDefault((string)filter["propertyName"]!);
        return (string?)filter["operator"] switch
        {
            "EQ" => value == (string?)filter["value"],
            "IN" => value is not null && filter["values"]!.AsArray().Any(v => (string?)v == value),
            "CONTAINS_TOKEN" => value is not null && value.Contains((string)filter["value"]!, StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <summary>The documented shape of a call or email input; null when it is right.</summary>
    private string? Check(string type, JsonNode input)
    {
        if (input["properties"] is not JsonObject p)
        {
            return "properties is required";
        }

        string? Prop(string name) => p[name]?.GetValueKind() == JsonValueKind.String ? (string?)p[name] : p[name]?.ToJsonString();
        if (type == "contacts")
        {
            return null;
        }

        if (type == "calls" && RefuseCallCreates)
        {
            return "Property values were not valid: hs_call_custom_region is required";
        }

        if (!DateTimeOffset.TryParse(Prop("hs_timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return "hs_timestamp must be an ISO 8601 time or epoch milliseconds";
        }

        if (type == "calls")
        {
            if (!long.TryParse(Prop("hs_call_duration"), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return "hs_call_duration must be whole milliseconds";
            }

            if (Prop("hs_call_direction") is not ("INBOUND" or "OUTBOUND"))
            {
                return "hs_call_direction must be INBOUND or OUTBOUND";
            }

            if (Prop("hs_call_status") is not { } status || !CallStatuses.Contains(status))
            {
                return $"hs_call_status '{Prop("hs_call_status")}' is not an allowed option";
            }

            if (Prop("hs_call_disposition") is { } disposition && !Dispositions.Contains(disposition))
            {
                return $"hs_call_disposition '{disposition}' is not an outcome id";
            }

            if (string.IsNullOrEmpty(Prop("hs_call_external_id")) || string.IsNullOrEmpty(Prop("hs_call_title")) || Prop("hs_call_body") is null)
            {
                return "hs_call_external_id, hs_call_title and hs_call_body are expected";
            }

            if (Prop("hs_call_recording_url") is { } url && !url.StartsWith("https://", StringComparison.Ordinal))
            {
                return "hs_call_recording_url must be https";
            }
        }
        else if (Prop("hs_email_direction") is not ("EMAIL" or "INCOMING_EMAIL" or "FORWARDED_EMAIL") || Prop("hs_email_subject") is null || Prop("hs_email_text") is null)
        {
            return "hs_email_direction, hs_email_subject and hs_email_text are expected";
        }

        var expectedType = type == "calls" ? 194 : 198;
        foreach (var association in input["associations"]?.AsArray() ?? [])
        {
            if (!_records.TryGetValue((string?)association!["to"]?["id"] ?? "", out var to) || to.Type != "contacts")
            {
                return "association to a contact that does not exist";
            }

            foreach (var t in association["types"]!.AsArray())
            {
                if ((string?)t!["associationCategory"] != "HUBSPOT_DEFINED" || (int?)t["associationTypeId"] != expectedType)
                {
                    return $"association type must be HUBSPOT_DEFINED {expectedType}";
                }
            }
        }

        return null;
    }

    private HubSpotRecord AddFrom(string type, JsonNode input)
    {
        var properties = input["properties"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValueKind() == JsonValueKind.String ? (string)p.Value! : p.Value!.ToJsonString());
        var associations = (input["associations"]?.AsArray() ?? []).Select(a => ((string)a!["to"]!["id"]!, (int)a["types"]![0]!["associationTypeId"]!)).ToList();
        return Add(type, properties, associations);
    }

    private HubSpotRecord Add(string type, Dictionary<string, string> properties, List<(string, int)> associations)
    {
        var record = new HubSpotRecord((++_nextId).ToString(CultureInfo.InvariantCulture), type, properties, associations);
        _records[record.Id] = record;
        _searchableAt[record.Id] = Clock.GetUtcNow() + SearchLag;
        return record;
    }

    private Task? HoldFor(HubSpotRecord record)
    {
        var key = record.Properties.GetValueOrDefault("hs_call_external_id")
                  ?? (record.Properties.GetValueOrDefault("hs_email_headers") is { } h ? (string?)JsonNode.Parse(h)?["messageId"] : null);
        return key is not null && HoldAfterCreate.TryGetValue(key, out var hold) ? hold.Task : null;
    }

    private static JsonObject View(HubSpotRecord record) => new()
    {
        ["id"] = record.Id,
        ["properties"] = new JsonObject(record.Properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["createdAt"] = "2026-06-01T06:00:00.000Z",
        ["archived"] = false,
    };

    private bool Authorized(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return false;
        }

        var token = header["Bearer ".Length..];
        lock (_lock)
        {
            return token == StaticToken || (_tokens.TryGetValue(token, out var expires) && expires > Clock.GetUtcNow());
        }
    }

    /// <summary>The rolling window: headers on every answer, a 429 past the limit. Returns whether to go on.</summary>
    private async Task<bool> AdmitAsync(HttpContext context)
    {
        var now = Clock.GetUtcNow();
        int remaining;
        bool admitted;
        lock (_lock)
        {
            while (_window.Count > 0 && _window.Peek() <= now - WindowLength)
            {
                _window.Dequeue();
            }

            remaining = WindowMax - _window.Count;
            admitted = remaining > 0 && !DailyLimitReached;
            if (admitted)
            {
                _window.Enqueue(now);
                remaining--;
            }
        }

        var headers = context.Response.Headers;
        headers["X-HubSpot-RateLimit-Max"] = WindowMax.ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Remaining"] = Math.Max(0, remaining).ToString(CultureInfo.InvariantCulture);
        headers["X-HubSpot-RateLimit-Interval-Milliseconds"] = ((long)WindowLength.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        if (admitted)
        {
            return true;
        }

        _tooMany.Enqueue(now);
        await ReplyAsync(context, 429, DailyLimitReached
            ? new JsonObject { ["status"] = "error", ["message"] = "You have reached your daily limit.", ["errorType"] = "RATE_LIMIT", ["policyName"] = "DAILY" }
            : new JsonObject { ["status"] = "error", ["message"] = "You have reached your ten_secondly_rolling limit.", ["errorType"] = "RATE_LIMIT", ["policyName"] = "TEN_SECONDLY_ROLLING" });
        return false;
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = await context.Request.ReadFormAsync();
        JsonObject answer;
        lock (_lock)
        {
            if (form["grant_type"] != "refresh_token" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret || form["refresh_token"] != _refreshToken)
            {
                answer = new JsonObject { ["status"] = "BAD_REFRESH_TOKEN", ["message"] = "missing or unknown refresh token" };
            }
            else
            {
                var token = $"oauth-{Guid.NewGuid():N}";
                _tokens[token] = Clock.GetUtcNow().AddSeconds(TokenLifetimeSeconds);
                Interlocked.Increment(ref _refreshes);
                answer = new JsonObject { ["token_type"] = "bearer", ["access_token"] = token, ["refresh_token"] = _refreshToken, ["expires_in"] = TokenLifetimeSeconds };
            }
        }

        await ReplyAsync(context, answer["access_token"] is null ? 400 : 200, answer);
    }

    private static JsonObject Error(string message) => new() { ["status"] = "error", ["message"] = message, ["category"] = "VALIDATION_ERROR" };

    private static async Task ReplyAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hold in HoldAfterCreate.Values)
        {
            hold.TrySetResult();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
