using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>One call the Twilio stand-in accepted, and what Twilio would send about it.</summary>
public sealed class FakeTwilioCall(FakeTwilio twilio, string sid, IReadOnlyDictionary<string, string[]> form)
{
    private int _sequence;
    private string _status = "queued";

    public string Sid { get; } = sid;

    public IReadOnlyDictionary<string, string[]> Form { get; } = form;

    public string To => Form["To"][0];

    public string From => Form["From"][0];

    public string? Twiml => Form.TryGetValue("Twiml", out var twiml) ? twiml[0] : null;

    public string? StatusCallback => Form.TryGetValue("StatusCallback", out var url) ? url[0] : null;

    public IReadOnlyList<string> Events => Form.TryGetValue("StatusCallbackEvent", out var events) ? events : [];

    /// <summary>Twilio's status of the call; a final one stamps <see cref="EndedAt"/> by the stand-in's clock.</summary>
    public string Status
    {
        get => _status;
        set
        {
            _status = value;
            if (value is "completed" or "busy" or "no-answer" or "failed" or "canceled")
            {
                EndedAt ??= twilio.Clock.GetUtcNow();
            }
        }
    }

    /// <summary>The billed seconds Twilio reports once the call is completed (<c>duration</c>, <c>CallDuration</c>); none when null.</summary>
    public int? Duration { get; set; }

    /// <summary>When the call ended, by the stand-in's clock.</summary>
    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Whether the create asked Twilio to record the call.</summary>
    public bool Recorded => Form.TryGetValue("Record", out var record) && record[0] == "true";

    /// <summary>The recording Twilio made of the call, once <see cref="Record"/> made one.</summary>
    public FakeTwilioRecording? Recording { get; private set; }

    /// <summary>Twilio has the call's recording (Twilio's channel 1 the callee, channel 2 what Twilio played), still processing or complete.</summary>
    public FakeTwilioRecording Record(byte[] twilioWav, string status = "completed")
    {
        var sid = "RE" + Sid[2..];
        Recording = new FakeTwilioRecording(sid, twilioWav) { Status = status };
        return Recording;
    }

    /// <summary>Sends the signed recording status callback for a completed recording, as Twilio does; returns the appliance's answer.</summary>
    public async Task<(int Status, string Body)> RecordingCompletedAsync(Func<string, string?>? tamper = null)
    {
        var recording = Recording ?? throw new InvalidOperationException("Twilio has no recording of this call");
        var url = Form.TryGetValue("RecordingStatusCallback", out var callback) ? callback[0] : throw new InvalidOperationException("No RecordingStatusCallback was asked for");
        recording.Status = "completed";
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = twilio.AccountSid,
            ["CallSid"] = Sid,
            ["RecordingSid"] = recording.Sid,
            ["RecordingUrl"] = $"{twilio.BaseAddress}2010-04-01/Accounts/{twilio.AccountSid}/Recordings/{recording.Sid}",
            ["RecordingStatus"] = "completed",
            ["RecordingDuration"] = recording.DurationSec.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RecordingChannels"] = "2",
            ["RecordingSource"] = "OutboundAPI",
            ["RecordingStartTime"] = Rfc2822(twilio.Clock.GetUtcNow()),
            ["ErrorCode"] = "0",
        };
        return await PostSignedAsync(url, parameters, tamper);
    }

    /// <summary>TwiML the call was updated with (a transfer).</summary>
    public ConcurrentQueue<string> UpdatedTwiml { get; } = new();

    /// <summary>Each callback sent: (CallStatus, HTTP status the appliance answered).</summary>
    public ConcurrentQueue<(string Status, int Answer)> Callbacks { get; } = new();

    public XDocument TwimlDocument => XDocument.Parse(Twiml ?? throw new InvalidOperationException("No inline TwiML"));

    /// <summary>Moves the call to <paramref name="status"/> and, when subscribed, sends Twilio's signed status callback.</summary>
    public async Task<int?> MoveAsync(string status, string? sipResponseCode = null)
    {
        Status = status;
        var now = twilio.Clock.GetUtcNow();

        var callbackEvent = status switch
        {
            "initiated" => "initiated",
            "ringing" => "ringing",
            "in-progress" => "answered",
            _ => "completed",
        };
        if (StatusCallback is null || !Events.Contains(callbackEvent))
        {
            return null;
        }

        var parameters = CommonParameters();
        parameters["CallStatus"] = status;
        parameters["CallbackSource"] = "call-progress-events";
        parameters["SequenceNumber"] = Interlocked.Increment(ref _sequence).ToString(System.Globalization.CultureInfo.InvariantCulture);
        parameters["Timestamp"] = Rfc2822(now);
        if (callbackEvent == "completed")
        {
            if (BilledDuration is { } billed)
            {
                parameters["CallDuration"] = billed;
            }

            parameters["SipResponseCode"] = sipResponseCode ?? (status == "completed" ? "200" : "487");
        }

        var answer = await PostSignedAsync(StatusCallback, parameters);
        Callbacks.Enqueue((status, answer.Status));
        return answer.Status;
    }

    /// <summary>What Twilio reports as the billed duration: <see cref="Duration"/> once completed, 0 for other ends.</summary>
    public string? BilledDuration => Status switch
    {
        "completed" => Duration?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "busy" or "no-answer" or "failed" or "canceled" => "0",
        _ => null,
    };

    /// <summary>The callee presses <paramref name="digits"/> (or nothing, when null) during the Gather; returns the appliance's answer.</summary>
    public async Task<(int Status, string Body)> GatherAsync(string? digits)
    {
        var gather = TwimlDocument.Root!.Element("Gather") ?? throw new InvalidOperationException("The TwiML has no <Gather>");
        var action = (string?)gather.Attribute("action") ?? throw new InvalidOperationException("The <Gather> has no action");
        var parameters = CommonParameters();
        parameters["CallStatus"] = Status;
        if (digits is not null)
        {
            parameters["Digits"] = digits;
        }

        parameters["FinishedOnKey"] = "";
        return await PostSignedAsync(action, parameters);
    }

    /// <summary>Sends asynchronous answering-machine detection's verdict, as Twilio does.</summary>
    public async Task<int> MachineDetectedAsync(string answeredBy)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["AccountSid"] = twilio.AccountSid, ["CallSid"] = Sid, ["AnsweredBy"] = answeredBy, ["MachineDetectionDuration"] = "2315",
        };
        return (await PostSignedAsync(Form["AsyncAmdStatusCallback"][0], parameters)).Status;
    }

    public Task<(int Status, string Body)> PostSignedAsync(string url, IDictionary<string, string> parameters, Func<string, string?>? tamper = null)
    {
        var signature = Sign(twilio.AuthToken, url, parameters);
        return twilio.PostCallbackAsync(url, tamper is null ? parameters : parameters.ToDictionary(p => p.Key, p => tamper(p.Key) ?? p.Value), signature);
    }

    /// <summary>Twilio's scheme, written out independently of the appliance's code: URL + sorted name/value pairs, HMAC-SHA1.</summary>
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = url + string.Concat(parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + p.Value));
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(authToken));
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data)));
    }

    /// <summary>Twilio's way of writing a time: <c>Mon, 16 Aug 2010 03:45:01 +0000</c>.</summary>
    public static string Rfc2822(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", System.Globalization.CultureInfo.InvariantCulture);

    public Dictionary<string, string> CommonParameters() => new(StringComparer.Ordinal)
    {
        ["AccountSid"] = twilio.AccountSid,
        ["ApiVersion"] = "2010-04-01",
        ["CallSid"] = Sid,
        ["Called"] = To,
        ["Caller"] = From,
        ["Direction"] = "outbound-api",
        ["From"] = From,
        ["To"] = To,
    };
}

/// <summary>A recording the Twilio stand-in holds: its media as Twilio serves it (<c>.wav</c>) and its status.</summary>
public sealed class FakeTwilioRecording(string sid, byte[] wav)
{
    public string Sid { get; } = sid;

    public byte[] Wav { get; } = wav;

    /// <summary><c>processing</c> until Twilio has the file ready, then <c>completed</c>.</summary>
    public string Status { get; set; } = "completed";

    public int DurationSec => (int)Math.Round((Wav.Length - 44) / 32000.0);
}
