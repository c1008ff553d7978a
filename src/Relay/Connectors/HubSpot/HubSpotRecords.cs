using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>
/// Our calls and emails as HubSpot engagement properties (SPEC §7): the call's status and HubSpot's default
/// disposition ids, duration in milliseconds, our call id as <c>hs_call_external_id</c>; an email's Message-ID in
/// <c>hs_email_headers</c>, which is how a record whose write had an unknown outcome is found again.
/// </summary>
public static class HubSpotRecords
{
    /// <summary>HubSpot's default call-and-meeting outcome ids.</summary>
    public static class Dispositions
    {
        public const string Busy = "9d9162e7-6cf3-4944-bf63-4dff82258764";
        public const string Connected = "f240bbac-87c9-4f6e-bf70-924b57d47db7";
        public const string LeftVoicemail = "b2cf5968-551e-4856-9783-52b3da59a7d0";
        public const string NoAnswer = "73a0d17f-1163-4015-bdd5-ec830791da20";
        public const string WrongNumber = "17b47fee-58de-441e-a44c-c6300d46f273";
    }

    /// <summary>Marks the object id of a reply, which is the Message-ID it answered with this prefix.</summary>
    public const string ReplyPrefix = "reply:";

    /// <summary>HUBSPOT_DEFINED association type ids.</summary>
    public const int CallToContact = 194;
    public const int EmailToContact = 198;

    public static Dictionary<string, string> CallProperties(SyncJob job, string? playbookName)
    {
        var data = job.Data;
        var status = Text(data, "status");
        var outcome = Text(data, "outcome");
        var endReason = Text(data, "end_reason");
        var at = Time(data, "started_at") ?? Time(data, "created_at") ?? DateTimeOffset.UnixEpoch;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["hs_timestamp"] = at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["hs_call_title"] = $"Cualify call: {playbookName ?? "outbound"}",
            ["hs_call_body"] = CallBody(data, playbookName, outcome, endReason),
            ["hs_call_duration"] = ((long)(Number(data, "duration_sec") ?? 0) * 1000).ToString(CultureInfo.InvariantCulture),
            ["hs_call_direction"] = "OUTBOUND",
            ["hs_call_status"] = status switch
            {
                "completed" => "COMPLETED",
                "busy" => "BUSY",
                "no_answer" => "NO_ANSWER",
                "canceled" => "CANCELED",
                _ => "FAILED",
            },
            ["hs_call_external_id"] = job.ObjectId,
        };
        var disposition = (status, outcome, endReason) switch
        {
            (_, _, "invalid_number") => Dispositions.WrongNumber,
            (_, "voicemail", _) => Dispositions.LeftVoicemail,
            ("busy", _, _) => Dispositions.Busy,
            ("no_answer", _, _) => Dispositions.NoAnswer,
            ("completed", _, _) => Dispositions.Connected,
            _ => null,
        };
        Put(properties, "hs_call_disposition", disposition);
        Put(properties, "hs_call_from_number", Text(data, "from_e164"));
        Put(properties, "hs_call_to_number", Text(data, "to_e164"));
        if (Text(data, "recording_url") is { } recording && recording.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            properties["hs_call_recording_url"] = recording;
        }

        return properties;
    }

    public static Dictionary<string, string> EmailProperties(SyncJob job)
    {
        var data = job.Data;
        var reply = job.ObjectId.StartsWith(ReplyPrefix, StringComparison.Ordinal);
        var at = Time(data, reply ? "received_at" : "sent_at") ?? DateTimeOffset.UnixEpoch;
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["hs_timestamp"] = at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["hs_email_direction"] = reply ? "INCOMING_EMAIL" : "EMAIL",
            ["hs_email_subject"] = Text(data, "subject") ?? "",
            ["hs_email_text"] = reply ? $"Reply from {Text(data, "from") ?? "the contact"} to a sequence email" : job.EmailBody ?? Text(data, "subject") ?? "",
            ["hs_email_headers"] = EmailHeaders(job),
        };
        if (!reply)
        {
            properties["hs_email_status"] = "SENT";
        }

        return properties;
    }

    /// <summary>The <c>hs_email_headers</c> JSON text HubSpot keeps with an email; it carries our Message-ID.</summary>
    public static string EmailHeaders(SyncJob job) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["from"] = new Dictionary<string, string?> { ["email"] = Text(job.Data, "from") },
        ["to"] = new[] { new Dictionary<string, string?> { ["email"] = Text(job.Data, "to") } },
        ["messageId"] = job.ObjectId,
    });

    private static string CallBody(JsonElement data, string? playbookName, string? outcome, string? endReason)
    {
        var body = new StringBuilder();
        body.Append("Playbook: ").Append(playbookName ?? Text(data, "agent_id") ?? "-").Append('\n');
        body.Append("Outcome: ").Append(outcome ?? Text(data, "status") ?? "-").Append('\n');
        body.Append("End reason: ").Append(endReason ?? "-");
        var summary = string.Join(" · ", new[] { Text(data, "llm_outcome"), Text(data, "llm_extracted_intent"), Text(data, "llm_sentiment") }.Where(s => s is not null));
        if (summary.Length > 0)
        {
            body.Append('\n').Append("Summary: ").Append(summary);
        }

        return body.ToString();
    }

    private static void Put(Dictionary<string, string> properties, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            properties[name] = value;
        }
    }

    internal static string? Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static DateTimeOffset? Time(JsonElement data, string name) =>
        Text(data, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
