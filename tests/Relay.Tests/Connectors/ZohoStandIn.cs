using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>One record the Zoho stand-in holds.</summary>
public sealed record ZohoRecord(string Id, string Module, JsonObject Fields);

/// <summary>
/// A Zoho CRM stand-in on real Kestrel with two listeners, as Zoho has: the data centre's accounts server
/// (<c>/oauth/v2/token</c>, answering a bad refresh token with 200 and <c>{"error":"invalid_code"}</c>) and the
/// <c>api_domain</c> it names, which alone serves <c>/crm/v8/…</c>. It checks the <c>Zoho-oauthtoken</c> header,
/// <c>{"data":[…]}</c> bodies of at most 100 records, the Calls fields (<c>Call_Start_Time</c> with an offset,
/// <c>Call_Duration</c> as mm:ss, a <c>Who_Id</c> contact or <c>What_Id</c> lead with <c>$se_module</c>), upserts with
/// <c>duplicate_check_fields</c>, Notes (v8's <c>Parent_Id</c> with <c>module.api_name</c>, a mandatory
/// <c>Note_Content</c>) and a record's Notes read back with the mandatory <c>fields</c> parameter, updates by id (a
/// checkbox such as <c>Email_Opt_Out</c> only as a JSON boolean), and answers searches with 200 or 204 like Zoho.
/// It can refuse with <c>429 TOO_MANY_REQUESTS</c> (told to, or past its concurrency limit) and give short-lived tokens.
/// </summary>
public sealed partial class ZohoStandIn : IAsyncDisposable
{
    public const string ClientId = "1000.CLIENT";
    public const string ClientSecret = "zoho-client-secret";
    public const string RefreshToken = "1000.refresh.token";

    private readonly WebApplication _app;
    private readonly object _lock = new();
    private readonly List<ZohoRecord> _records = [];
    private readonly Dictionary<string, DateTimeOffset> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(DateTimeOffset At, string Line)> _requests = new();
    private readonly ConcurrentQueue<DateTimeOffset> _refreshedAt = new();
    private readonly ConcurrentQueue<DateTimeOffset> _tooManyAt = new();
    private long _nextId = 4876876000000100000;
    private int _refreshes;
    private int _inFlight;
    private int _peakInFlight;
    private int _refuseNext;

    private ZohoStandIn(WebApplication app)
    {
        _app = app;
    }

    public string AccountsUrl { get; private set; } = "";

    public string ApiDomain { get; private set; } = "";

    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public int Refreshes => Volatile.Read(ref _refreshes);

    /// <summary>When each access token was issued, on <see cref="Clock"/>.</summary>
    public IReadOnlyList<DateTimeOffset> RefreshedAt => _refreshedAt.ToArray();

    /// <summary>The <c>expires_in</c> of the tokens it issues.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>API requests in flight at once beyond which Zoho answers 429 (its concurrency limit per user).</summary>
    public int MaxInFlight { get; set; } = int.MaxValue;

    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    /// <summary>When it answered 429, on <see cref="Clock"/>.</summary>
    public IReadOnlyList<DateTimeOffset> TooManyRequestsAt => _tooManyAt.ToArray();

    /// <summary>Answers the next <paramref name="count"/> API requests with 429, naming <paramref name="retryAfter"/> when given.</summary>
    public void RefuseNext(int count, TimeSpan? retryAfter = null)
    {
        RetryAfter = retryAfter;
        Volatile.Write(ref _refuseNext, count);
    }

    private TimeSpan? RetryAfter { get; set; }

    /// <summary>"METHOD host-kind path" of every request: <c>accounts</c> or <c>api</c>.</summary>
    public IReadOnlyList<string> Requests => _requests.Select(r => r.Line).ToArray();

    /// <summary><see cref="Requests"/> with when each arrived, on <see cref="Clock"/>.</summary>
    public IReadOnlyList<(DateTimeOffset At, string Line)> Timeline => _requests.ToArray();

    /// <summary>Call ids whose Calls insert is stored and then left unanswered until released.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> HoldAfterCreate { get; } = new(StringComparer.Ordinal);

    /// <summary>Call ids (or Message-IDs) whose insert is stored and then answered once with a gateway's 502.</summary>
    public ConcurrentDictionary<string, bool> BadGatewayAfterCreate { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ZohoRecord> Records(string module)
    {
        lock (_lock)
        {
            return _records.Where(r => r.Module == module).ToList();
        }
    }

    public ZohoRecord Add(string module, JsonObject fields)
    {
        lock (_lock)
        {
            var record = new ZohoRecord((++_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture), module, fields);
            _records.Add(record);
            return record;
        }
    }

    public static async Task<ZohoStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0", "http://127.0.0.1:0");
        var app = builder.Build();
        var standIn = new ZohoStandIn(app);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();
        standIn.AccountsUrl = addresses[0].TrimEnd('/');
        standIn.ApiDomain = addresses[1].TrimEnd('/');
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var onApi = $"http://{request.Host}" == ApiDomain;
        var path = request.Path.Value ?? "";
        _requests.Enqueue((Clock.GetUtcNow(), $"{request.Method} {(onApi ? "api" : "accounts")} {path}"));
        if (!onApi)
        {
            await (path == "/oauth/v2/token" && request.Method == "POST" ? TokenAsync(context) : ReplyAsync(context, 404, new JsonObject { ["error"] = "not found" }));
            return;
        }

        if (!Authorized(request.Headers.Authorization.ToString()))
        {
            await ReplyAsync(context, 401, new JsonObject { ["code"] = "INVALID_TOKEN", ["details"] = new JsonObject(), ["message"] = "invalid oauth token", ["status"] = "error" });
            return;
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        try
        {
            lock (_lock)
            {
                _peakInFlight = Math.Max(_peakInFlight, inFlight);
            }

            if (inFlight > MaxInFlight || Interlocked.Decrement(ref _refuseNext) >= 0)
            {
                _tooManyAt.Enqueue(Clock.GetUtcNow());
                if (RetryAfter is { } wait)
                {
                    context.Response.Headers.RetryAfter = ((int)wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await ReplyAsync(context, 429, new JsonObject { ["code"] = "TOO_MANY_REQUESTS", ["details"] = new JsonObject(), ["message"] = "too many requests", ["status"] = "error" });
                return;
            }

            await ApiAsync(context, path);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task ApiAsync(HttpContext context, string path)
    {
        var request = context.Request;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts is not ["crm", "v8", var module, ..])
        {
            await ReplyAsync(context, 404, new JsonObject { ["code"] = "INVALID_URL_PATTERN", ["message"] = "Please check if the URL trying to access is a correct one", ["status"] = "error" });
            return;
        }

        var action = parts.Length > 3 ? parts[3] : "";
        if (request.Method == "GET" && parts is [_, _, _, var parentId, "Notes"])
        {
            await NotesOfAsync(context, module, parentId);
            return;
        }

        if (request.Method == "GET")
        {
            var found = action == "search" ? Search(module, request.Query) : Records(module).Take(1).ToList();
            if (found.Count == 0)
            {
                context.Response.StatusCode = 204;
                return;
            }

            await ReplyAsync(context, 200, new JsonObject { ["data"] = new JsonArray(found.Select(View).ToArray<JsonNode?>()), ["info"] = new JsonObject { ["count"] = found.Count } });
            return;
        }

        var body = await JsonNode.ParseAsync(request.Body);
        if (body?["data"] is not JsonArray data || data.Count is 0 or > 100)
        {
            await ReplyAsync(context, 400, new JsonObject { ["code"] = "INVALID_DATA", ["message"] = "body must be {\"data\":[1 to 100 records]}", ["status"] = "error" });
            return;
        }

        if (action == "upsert")
        {
            await ReplyAsync(context, 200, Upsert(module, data, body["duplicate_check_fields"]?.AsArray().Select(f => (string)f!).ToList() ?? []));
            return;
        }

        if (request.Method == "PUT" && action == "" && module is "Contacts" or "Leads")
        {
            await ReplyAsync(context, 200, Update(module, data));
            return;
        }

        if (request.Method != "POST" || module is not ("Calls" or "Notes") || action != "")
        {
            await ReplyAsync(context, 404, new JsonObject { ["code"] = "INVALID_MODULE", ["status"] = "error" });
            return;
        }

        var results = new JsonArray();
        Task? hold = null;
        var badGateway = false;
        foreach (var item in data)
        {
            var fields = item!.AsObject();
            if ((module == "Calls" ? CheckCall(fields) : CheckNote(fields)) is { } problem)
            {
                results.Add(new JsonObject { ["code"] = problem == "Note_Content" ? "MANDATORY_NOT_FOUND" : "INVALID_DATA", ["details"] = new JsonObject { ["api_name"] = problem }, ["message"] = "invalid data", ["status"] = "error" });
                continue;
            }

            var record = Add(module, JsonNode.Parse(fields.ToJsonString())!.AsObject());
            results.Add(new JsonObject { ["code"] = "SUCCESS", ["details"] = new JsonObject { ["id"] = record.Id }, ["message"] = "record added", ["status"] = "success" });
            var key = module == "Calls"
                ? CallIdPattern().Match((string?)fields["Subject"] ?? "").Groups[1].Value
                : MessageIdPattern().Match((string?)fields["Note_Title"] ?? "").Groups[1].Value;
            hold ??= HoldAfterCreate.TryGetValue(key, out var h) ? h.Task : null;
            badGateway |= BadGatewayAfterCreate.TryRemove(key, out _);
        }

        if (badGateway)
        {
            context.Response.StatusCode = 502;
            await context.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
            return;
        }

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

        await ReplyAsync(context, results.All(r => (string?)r!["status"] == "success") ? 201 : 207, new JsonObject { ["data"] = results });
    }

    /// <summary>v8's related Notes of a record: <c>fields</c> is mandatory; none is 204.</summary>
    private async Task NotesOfAsync(HttpContext context, string module, string parentId)
    {
        var fields = context.Request.Query["fields"].ToString();
        if (fields.Length == 0)
        {
            await ReplyAsync(context, 400, new JsonObject { ["code"] = "REQUIRED_PARAM_MISSING", ["details"] = new JsonObject { ["param"] = "fields" }, ["message"] = "One of the expected parameter is missing", ["status"] = "error" });
            return;
        }

        var notes = Records("Notes").Where(n => (string?)n.Fields["Parent_Id"]?["id"] == parentId && (string?)n.Fields["Parent_Id"]?["module"]?["api_name"] == module).ToList();
        if (notes.Count == 0)
        {
            context.Response.StatusCode = 204;
            return;
        }

        var names = fields.Split(',');
        var page = int.TryParse(context.Request.Query["page"], out var p) ? p : 1;
        var perPage = int.TryParse(context.Request.Query["per_page"], out var pp) ? Math.Min(pp, 200) : 200;
        var shown = notes.Skip((page - 1) * perPage).Take(perPage).Select(n =>
        {
            var view = new JsonObject { ["id"] = n.Id };
            foreach (var name in names.Where(n.Fields.ContainsKey))
            {
                view[name] = n.Fields[name]!.DeepClone();
            }

            return (JsonNode?)view;
        }).ToArray();
        await ReplyAsync(context, 200, new JsonObject
        {
            ["data"] = new JsonArray(shown),
            ["info"] = new JsonObject { ["per_page"] = perPage, ["count"] = shown.Length, ["page"] = page, ["more_records"] = page * perPage < notes.Count },
        });
    }

    private JsonObject Update(string module, JsonArray data)
    {
        var results = new JsonArray();
        foreach (var item in data)
        {
            var fields = item!.AsObject();
            var record = Records(module).FirstOrDefault(r => r.Id == (string?)fields["id"]);
            var badCheckbox = fields.FirstOrDefault(f => Checkboxes.Contains(f.Key) && f.Value?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)).Key;
            if (record is null || badCheckbox is not null)
            {
                results.Add(new JsonObject { ["code"] = "INVALID_DATA", ["details"] = new JsonObject { ["api_name"] = badCheckbox ?? "id" }, ["message"] = "invalid data", ["status"] = "error" });
                continue;
            }

            lock (_lock)
            {
                foreach (var (name, value) in fields.Where(f => f.Key != "id"))
                {
                    record.Fields[name] = value?.DeepClone();
                }
            }

            results.Add(new JsonObject
            {
                ["code"] = "SUCCESS",
                ["details"] = new JsonObject { ["Modified_Time"] = Clock.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), ["id"] = record.Id },
                ["message"] = "record updated",
                ["status"] = "success",
            });
        }

        return new JsonObject { ["data"] = results };
    }

    private List<ZohoRecord> Search(string module, IQueryCollection query)
    {
        var (field, value) = query.ContainsKey("email") ? ("Email", (string)query["email"]!)
            : query.ContainsKey("phone") ? ("Phone", (string)query["phone"]!)
            : CriteriaPattern().Match(query["criteria"].ToString()) is { Success: true } m ? (m.Groups[1].Value, Regex.Replace(m.Groups[2].Value, @"\\(.)", "$1")) : ("", "");
        return Records(module).Where(r => string.Equals((string?)r.Fields[field], value, field == "Email" ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal)).ToList();
    }

    private JsonObject Upsert(string module, JsonArray data, List<string> duplicateCheck)
    {
        var results = new JsonArray();
        foreach (var item in data)
        {
            var fields = item!.AsObject();
            if (fields["Last_Name"] is null || (module == "Leads" && fields["Company"] is null))
            {
                results.Add(new JsonObject { ["code"] = "MANDATORY_NOT_FOUND", ["details"] = new JsonObject { ["api_name"] = fields["Last_Name"] is null ? "Last_Name" : "Company" }, ["message"] = "required field not found", ["status"] = "error" });
                continue;
            }

            var existing = Records(module).FirstOrDefault(r => duplicateCheck.Count > 0 && duplicateCheck.All(f => (string?)r.Fields[f] == (string?)fields[f]));
            var record = existing ?? Add(module, JsonNode.Parse(fields.ToJsonString())!.AsObject());
            results.Add(new JsonObject
            {
                ["code"] = "SUCCESS",
                ["duplicate_field"] = existing is null ? null : duplicateCheck[0],
                ["action"] = existing is null ? "insert" : "update",
                ["details"] = new JsonObject { ["id"] = record.Id },
                ["message"] = existing is null ? "record added" : "record updated",
                ["status"] = "success",
            });
        }

        return new JsonObject { ["data"] = results };
    }

    private string? CheckCall(JsonObject fields)
    {
        if (fields["Subject"] is null)
        {
            return "Subject";
        }

        if ((string?)fields["Call_Type"] is not ("Outbound" or "Inbound" or "Missed"))
        {
            return "Call_Type";
        }

        if (!StartTimePattern().IsMatch((string?)fields["Call_Start_Time"] ?? ""))
        {
            return "Call_Start_Time";
        }

        if (!DurationPattern().IsMatch((string?)fields["Call_Duration"] ?? ""))
        {
            return "Call_Duration";
        }

        if (fields["Who_Id"]?["id"] is { } who)
        {
            return Records("Contacts").Any(c => c.Id == (string?)who) ? null : "Who_Id";
        }

        return (string?)fields["$se_module"] == "Leads" && Records("Leads").Any(l => l.Id == (string?)fields["What_Id"]?["id"]) ? null : "What_Id";
    }

    private string? CheckNote(JsonObject fields)
    {
        if (fields["Note_Content"]?.GetValueKind() != JsonValueKind.String || ((string?)fields["Note_Content"])!.Length == 0)
        {
            return "Note_Content";
        }

        var module = (string?)fields["Parent_Id"]?["module"]?["api_name"];
        return module is "Contacts" or "Leads" && Records(module).Any(r => r.Id == (string?)fields["Parent_Id"]?["id"]) ? null : "Parent_Id";
    }

    private bool Authorized(string header)
    {
        if (!header.StartsWith("Zoho-oauthtoken ", StringComparison.Ordinal))
        {
            return false;
        }

        lock (_lock)
        {
            return _tokens.TryGetValue(header["Zoho-oauthtoken ".Length..], out var expires) && expires > Clock.GetUtcNow();
        }
    }

    private async Task TokenAsync(HttpContext context)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync() : null;
        string? Value(string name) => form?[name].ToString() is { Length: > 0 } v ? v : context.Request.Query[name].ToString();
        if (Value("grant_type") != "refresh_token" || Value("client_id") != ClientId || Value("client_secret") != ClientSecret || Value("refresh_token") != RefreshToken)
        {
            await ReplyAsync(context, 200, new JsonObject { ["error"] = "invalid_code" });
            return;
        }

        var token = $"1000.{Guid.NewGuid():N}";
        lock (_lock)
        {
            _tokens[token] = Clock.GetUtcNow() + TokenLifetime;
        }

        Interlocked.Increment(ref _refreshes);
        _refreshedAt.Enqueue(Clock.GetUtcNow());
        await ReplyAsync(context, 200, new JsonObject { ["access_token"] = token, ["api_domain"] = ApiDomain, ["token_type"] = "Bearer", ["expires_in"] = (int)TokenLifetime.TotalSeconds });
    }

    private static JsonObject View(ZohoRecord record)
    {
        var view = JsonNode.Parse(record.Fields.ToJsonString())!.AsObject();
        view["id"] = record.Id;
        return view;
    }

    private static async Task ReplyAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json;charset=UTF-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")]
    private static partial Regex StartTimePattern();

    [GeneratedRegex(@"^\d{2,}:\d{2}$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\((\w+):equals:(.*)\)$")]
    private static partial Regex CriteriaPattern();

    private static readonly HashSet<string> Checkboxes = new(StringComparer.Ordinal) { "Email_Opt_Out" };

    [GeneratedRegex(@"<([^>]+)>")]
    private static partial Regex MessageIdPattern();

    [GeneratedRegex(@"Cualify call ([0-9a-f-]{36})")]
    private static partial Regex CallIdPattern();

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
