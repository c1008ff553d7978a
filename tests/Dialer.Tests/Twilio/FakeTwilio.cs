using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using System.Xml;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// A stand-in for Twilio's REST API on loopback Kestrel that checks what Twilio checks — the path and account SID,
/// basic auth, form encoding, the required fields, TwiML well-formed and at most 4,000 characters, the status
/// callback fields — answers with Twilio-shaped JSON and error bodies, and sends signed status callbacks.
/// Anything the appliance gets wrong is also kept in <see cref="Violations"/>.
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    public const string Sid = "AC0123456789abcdef0123456789abcdef";
    public const string Token = "f00dfeedf00dfeedf00dfeedf00dfeed";
    private static readonly string[] KnownEvents = ["initiated", "ringing", "answered", "completed"];

    private readonly WebApplication _app;
    private readonly HttpClient _callbacks = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Channel<FakeTwilioCall> _created = Channel.CreateUnbounded<FakeTwilioCall>();
    private readonly ConcurrentBag<Task> _background = [];
    private int _callCounter;

    private FakeTwilio(WebApplication app) => _app = app;

    public string AccountSid => Sid;

    public string AuthToken => Token;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentDictionary<string, FakeTwilioCall> Calls { get; } = new();

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    /// <summary>Errors to answer call creation with, in order, before accepting (e.g. a 429, a 500).</summary>
    public ConcurrentQueue<(int Status, int? Code)> CreateFailures { get; } = new();

    /// <summary>Errors to answer status fetches with, in order.</summary>
    public ConcurrentQueue<int> FetchFailures { get; } = new();

    /// <summary>Numbers Twilio refuses to call, with the error it gives.</summary>
    public ConcurrentDictionary<string, (int Status, int Code)> RefusedNumbers { get; } = new();

    public string AccountStatus { get; set; } = "active";

    /// <summary>The clock callbacks' <c>Timestamp</c> and the resource's <c>end_time</c> are read from.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public static async Task<FakeTwilio> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeTwilio(app);
        app.MapPost("/2010-04-01/Accounts/{account}/Calls.json", fake.CreateAsync);
        app.MapGet("/2010-04-01/Accounts/{account}/Calls/{sid}.json", fake.FetchAsync);
        app.MapPost("/2010-04-01/Accounts/{account}/Calls/{sid}.json", fake.UpdateAsync);
        app.MapGet("/2010-04-01/Accounts/{account}.json", fake.AccountAsync);
        app.MapGet("/2010-04-01/Accounts/{account}/Calls/{sid}/Recordings.json", fake.ListRecordingsAsync);
        app.MapGet("/2010-04-01/Accounts/{account}/Recordings/{file}", fake.MediaAsync);
        await app.StartAsync();
        fake.BaseAddress = new Uri(app.Urls.First());
        return fake;
    }

    /// <summary>The next call the appliance creates.</summary>
    public async Task<FakeTwilioCall> NextCallAsync(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(20));
        return await _created.Reader.ReadAsync(timeout.Token);
    }

    public async Task<(int Status, string Body)> PostCallbackAsync(string url, IDictionary<string, string> parameters, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
        if (signature is not null)
        {
            request.Headers.Add("X-Twilio-Signature", signature);
        }

        using var response = await _callbacks.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<IResult> CreateAsync(string account, HttpContext context)
    {
        Requests.Enqueue($"POST Calls");
        if (Refuse(account, context) is { } refused)
        {
            return refused;
        }

        if (!context.Request.HasFormContentType)
        {
            return Fail(415, 21202, "Content-Type must be application/x-www-form-urlencoded");
        }

        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.Select(v => v ?? "").ToArray(), StringComparer.Ordinal);
        if (CreateFailures.TryDequeue(out var failure))
        {
            return Error(failure.Status, failure.Code, "scripted failure");
        }

        if (CheckCreateForm(form) is { } invalid)
        {
            return invalid;
        }

        if (RefusedNumbers.TryGetValue(form["To"][0], out var refusal))
        {
            return Error(refusal.Status, refusal.Code, $"The number {form["To"][0]} cannot be called");
        }

        var sid = "CA" + Interlocked.Increment(ref _callCounter).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        var call = new FakeTwilioCall(this, sid, form);
        Calls[sid] = call;
        await _created.Writer.WriteAsync(call);
        return Results.Json(Resource(call), statusCode: 201);
    }

    private IResult? CheckCreateForm(Dictionary<string, string[]> form)
    {
        if (!form.TryGetValue("To", out var to) || string.IsNullOrEmpty(to[0]))
        {
            return Fail(400, 21201, "No 'To' number is specified");
        }

        if (!form.TryGetValue("From", out var from) || string.IsNullOrEmpty(from[0]))
        {
            return Fail(400, 21213, "No 'From' number is specified");
        }

        var hasTwiml = form.TryGetValue("Twiml", out var twiml);
        if (!hasTwiml && !form.ContainsKey("Url"))
        {
            return Fail(400, 21205, "A Url or Twiml parameter is required");
        }

        if (hasTwiml && twiml![0].Length > 4_000)
        {
            return Fail(400, 21205, $"Twiml is {twiml[0].Length} characters; at most 4000 are allowed");
        }

        if (hasTwiml && !IsTwiml(twiml![0]))
        {
            return Fail(400, 12100, "Document parse failure");
        }

        if (form.TryGetValue("Timeout", out var timeout) && (!int.TryParse(timeout[0], out var ring) || ring < 1 || ring > 600))
        {
            return Fail(400, 21208, "Invalid Timeout");
        }

        if (form.TryGetValue("TimeLimit", out var limit) && (!int.TryParse(limit[0], out var seconds) || seconds < 1))
        {
            return Fail(400, 21220, "Invalid TimeLimit");
        }

        if (form.TryGetValue("StatusCallbackEvent", out var events) && events.Any(e => !KnownEvents.Contains(e)))
        {
            return Fail(400, 21626, "Invalid StatusCallbackEvent");
        }

        if (form.TryGetValue("StatusCallbackMethod", out var method) && method[0] is not ("GET" or "POST"))
        {
            return Fail(400, 21609, "Invalid StatusCallbackMethod");
        }

        if (form.TryGetValue("Record", out var record) && record[0] is not ("true" or "false"))
        {
            return Fail(400, 21218, "Invalid Record");
        }

        if (form.TryGetValue("RecordingChannels", out var channels) && channels[0] is not ("mono" or "dual"))
        {
            return Fail(400, 21218, "Invalid RecordingChannels");
        }

        if (form.TryGetValue("RecordingStatusCallbackEvent", out var recordingEvents) && recordingEvents.Any(e => e is not ("in-progress" or "completed" or "absent")))
        {
            return Fail(400, 21626, "Invalid RecordingStatusCallbackEvent");
        }

        if (form.ContainsKey("RecordingStatusCallback") && !(form.TryGetValue("Record", out var recorded) && recorded[0] == "true"))
        {
            Violations.Enqueue("RecordingStatusCallback without Record=true: Twilio records nothing");
        }

        if (form.TryGetValue("MachineDetection", out var amd) && amd[0] is not ("Enable" or "DetectMessageEnd"))
        {
            return Fail(400, 21230, "Invalid MachineDetection");
        }

        if (form.TryGetValue("AsyncAmd", out var asyncAmd) && (asyncAmd[0] is not ("true" or "false")
                                                               || asyncAmd[0] == "true" && !form.ContainsKey("AsyncAmdStatusCallback")))
        {
            return Fail(400, 21231, "AsyncAmd needs AsyncAmdStatusCallback");
        }

        return null;
    }

    private IResult FetchAsync(string account, string sid, HttpContext context)
    {
        Requests.Enqueue($"GET Calls/{sid}");
        if (Refuse(account, context) is { } refused)
        {
            return refused;
        }

        if (FetchFailures.TryDequeue(out var status))
        {
            return Error(status, null, "scripted failure");
        }

        return Calls.TryGetValue(sid, out var call) ? Results.Json(Resource(call)) : Error(404, 20404, "The requested resource was not found");
    }

    private async Task<IResult> UpdateAsync(string account, string sid, HttpContext context)
    {
        Requests.Enqueue($"POST Calls/{sid}");
        if (Refuse(account, context) is { } refused)
        {
            return refused;
        }

        if (!Calls.TryGetValue(sid, out var call))
        {
            return Error(404, 20404, "The requested resource was not found");
        }

        var form = await context.Request.ReadFormAsync();
        var status = form["Status"].ToString();
        var live = call.Status is "queued" or "initiated" or "ringing";
        if (status == "canceled" && live || status == "completed" && (live || call.Status == "in-progress"))
        {
            // Twilio answers at once and calls back after.
            var final = status == "canceled" || live ? "canceled" : "completed";
            call.Status = final;
            _background.Add(Task.Run(() => call.MoveAsync(final)));
        }
        else if (form["Twiml"].ToString() is { Length: > 0 } twiml)
        {
            if (!IsTwiml(twiml) || twiml.Length > 4_000)
            {
                return Fail(400, 12100, "Document parse failure");
            }

            call.UpdatedTwiml.Enqueue(twiml);
        }

        return Results.Json(Resource(call));
    }

    /// <summary>The call's recordings, as Twilio lists them (newest first, one page).</summary>
    private IResult ListRecordingsAsync(string account, string sid, HttpContext context)
    {
        Requests.Enqueue($"GET Calls/{sid}/Recordings");
        if (Refuse(account, context) is { } refused)
        {
            return refused;
        }

        if (!Calls.TryGetValue(sid, out var call))
        {
            return Error(404, 20404, "The requested resource was not found");
        }

        var uri = $"/2010-04-01/Accounts/{Sid}/Calls/{sid}/Recordings.json";
        var recordings = call.Recording is { } recording ? new[] { RecordingResource(call, recording) } : [];
        return Results.Json(new Dictionary<string, object?>
        {
            ["recordings"] = recordings, ["start"] = 0, ["end"] = recordings.Length == 0 ? 0 : recordings.Length - 1, ["page"] = 0, ["page_size"] = 20,
            ["uri"] = uri, ["first_page_uri"] = uri + "?PageSize=20&Page=0", ["next_page_uri"] = null, ["previous_page_uri"] = null,
        });
    }

    /// <summary>A recording's media: <c>{RecordingSid}.wav</c>, basic auth required (as when HTTP auth is on for media).</summary>
    private IResult MediaAsync(string account, string file, HttpContext context)
    {
        Requests.Enqueue($"GET Recordings/{file}");
        if (Refuse(account, context) is { } refused)
        {
            return refused;
        }

        var recording = Calls.Values.Select(c => c.Recording).FirstOrDefault(r => r is not null && file == r.Sid + ".wav");
        if (recording is null || recording.Status != "completed")
        {
            return Error(404, 20404, "The requested resource was not found");
        }

        return Results.Bytes(recording.Wav, "audio/x-wav");
    }

    private static Dictionary<string, object?> RecordingResource(FakeTwilioCall call, FakeTwilioRecording recording) => new()
    {
        ["sid"] = recording.Sid, ["account_sid"] = Sid, ["call_sid"] = call.Sid, ["api_version"] = "2010-04-01", ["conference_sid"] = null,
        ["status"] = recording.Status, ["channels"] = 2, ["source"] = "OutboundAPI", ["track"] = "both",
        ["duration"] = recording.Status == "completed" ? recording.DurationSec.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-1",
        ["price"] = null, ["price_unit"] = "USD", ["error_code"] = null, ["encryption_details"] = null,
        ["uri"] = $"/2010-04-01/Accounts/{Sid}/Recordings/{recording.Sid}.json",
    };

    private IResult AccountAsync(string account, HttpContext context)
    {
        Requests.Enqueue("GET Account");
        return Refuse(account, context) ?? Results.Json(new Dictionary<string, object?>
        {
            ["sid"] = Sid, ["friendly_name"] = "Stand-in account", ["status"] = AccountStatus, ["type"] = "Full",
        });
    }

    private IResult? Refuse(string account, HttpContext context)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Sid}:{Token}"));
        if (context.Request.Headers.Authorization.ToString() != expected)
        {
            return Error(401, 20003, "Authenticate");
        }

        return account == Sid ? null : Fail(404, 20404, "The requested resource was not found");
    }

    private IResult Fail(int status, int code, string message)
    {
        Violations.Enqueue($"{code}: {message}");
        return Error(status, code, message);
    }

    private static IResult Error(int status, int? code, string message) => Results.Json(new Dictionary<string, object?>
    {
        ["code"] = code, ["message"] = message, ["more_info"] = $"https://www.twilio.com/docs/errors/{code}", ["status"] = status,
    }, statusCode: status);

    private static object Resource(FakeTwilioCall call) => new Dictionary<string, object?>
    {
        ["sid"] = call.Sid, ["account_sid"] = Sid, ["to"] = call.To, ["from"] = call.From, ["status"] = call.Status,
        ["direction"] = "outbound-api", ["duration"] = call.BilledDuration, ["api_version"] = "2010-04-01",
        ["end_time"] = call.EndedAt is { } end ? FakeTwilioCall.Rfc2822(end) : null,
        ["uri"] = $"/2010-04-01/Accounts/{Sid}/Calls/{call.Sid}.json",
    };

    private static bool IsTwiml(string text)
    {
        try
        {
            return XDocument.Parse(text).Root?.Name.LocalName == "Response";
        }
        catch (XmlException)
        {
            return false;
        }
    }

    /// <summary>Waits for the callbacks sent in the background (after hang-ups) and surfaces their failures.</summary>
    public Task SettleAsync() => Task.WhenAll(_background);

    public async ValueTask DisposeAsync()
    {
        await SettleAsync();
        _callbacks.Dispose();
        await _app.DisposeAsync();
    }
}
