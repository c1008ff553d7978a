using System.Globalization;
using System.Text.Json;
using Cualify.Appliance.Relay.Connectors.HubSpot;

namespace Cualify.Appliance.Relay.Connectors.Zoho;

/// <summary>
/// A call as a Zoho <c>Calls</c> record (SPEC §7): <c>Call_Type</c> Outbound, <c>Call_Start_Time</c> with the offset of
/// <c>options.time_zone</c>, <c>Call_Duration</c> as <c>mm:ss</c>, <c>Call_Result</c>, a description, and our call id
/// in <c>options.external_id_field</c> when configured (else in the subject, which is then how it is found again).
/// A sent email or a reply as a <c>Notes</c> record on the person, its Message-ID in the title (how it is found again).
/// </summary>
public static class ZohoRecords
{
    public static string Subject(SyncJob job) => $"Cualify call {job.ObjectId}: {job.PlaybookName ?? "outbound"}";

    public static Dictionary<string, object> Call(SyncJob job, ConnectorOptionsJson options, (string Module, string Id) contact)
    {
        var data = job.Data;
        var status = HubSpotRecords.Text(data, "status");
        var outcome = HubSpotRecords.Text(data, "outcome");
        var endReason = HubSpotRecords.Text(data, "end_reason");
        var started = Time(data, "started_at") ?? Time(data, "created_at") ?? DateTimeOffset.UnixEpoch;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        var local = TimeZoneInfo.ConvertTime(started, zone);
        var seconds = data.TryGetProperty("duration_sec", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetInt32() : 0;
        var record = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Subject"] = Subject(job),
            ["Call_Type"] = "Outbound",
            ["Call_Start_Time"] = local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ["Call_Duration"] = $"{seconds / 60:D2}:{seconds % 60:D2}",
            ["Call_Result"] = (status, outcome, endReason) switch
            {
                (_, _, "invalid_number") => "Invalid number",
                (_, "voicemail", _) => "Left voicemail",
                ("busy", _, _) => "Busy",
                ("no_answer", _, _) => "No response",
                ("completed", _, _) => "Connected",
                _ => "Failed",
            },
            ["Description"] = $"Playbook: {job.PlaybookName ?? "-"}\nOutcome: {outcome ?? status ?? "-"}\nEnd reason: {endReason ?? "-"}\nTo: {HubSpotRecords.Text(data, "to_e164") ?? "-"}",
        };
        if (contact.Module == "Contacts")
        {
            record["Who_Id"] = new Dictionary<string, string> { ["id"] = contact.Id };
        }
        else
        {
            record["What_Id"] = new Dictionary<string, string> { ["id"] = contact.Id };
            record["$se_module"] = "Leads";
        }

        if (options.ExternalIdField is { } field)
        {
            record[field] = job.ObjectId;
        }

        return record;
    }

    /// <summary>The start of a note's title that names the email: <c>Email sent &lt;id&gt;</c> or <c>Email reply &lt;id&gt;</c>.</summary>
    public static string NoteKey(SyncJob job) => job.ObjectId.StartsWith(HubSpotRecords.ReplyPrefix, StringComparison.Ordinal)
        ? $"Email reply <{job.ObjectId[HubSpotRecords.ReplyPrefix.Length..]}>"
        : $"Email sent <{job.ObjectId}>";

    /// <summary>
    /// Zoho v8's Notes record: <c>Note_Title</c>, <c>Note_Content</c> (mandatory) and <c>Parent_Id</c> naming the parent's
    /// module by API name.
    /// </summary>
    public static Dictionary<string, object> Note(SyncJob job, (string Module, string Id) person)
    {
        var data = job.Data;
        var reply = job.ObjectId.StartsWith(HubSpotRecords.ReplyPrefix, StringComparison.Ordinal);
        var subject = HubSpotRecords.Text(data, "subject") ?? "(no subject)";
        var at = Time(data, reply ? "received_at" : "sent_at");
        var content = reply
            ? $"Reply from {HubSpotRecords.Text(data, "from") ?? "the contact"} to a sequence email\nSubject: {subject}\nReceived: {at?.ToString("u", CultureInfo.InvariantCulture) ?? "-"}"
            : $"From: {HubSpotRecords.Text(data, "from") ?? "-"}\nTo: {HubSpotRecords.Text(data, "to") ?? "-"}\nSubject: {subject}\nSent: {at?.ToString("u", CultureInfo.InvariantCulture) ?? "-"}\n\n{job.EmailBody ?? subject}";
        return new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["Note_Title"] = $"{NoteKey(job)}: {subject}",
            ["Note_Content"] = content,
            ["Parent_Id"] = new Dictionary<string, object>
            {
                ["module"] = new Dictionary<string, string> { ["api_name"] = person.Module },
                ["id"] = person.Id,
            },
        };
    }

    /// <summary>Zoho's search criteria value, with its special characters escaped.</summary>
    public static string Criteria(string field, string value) =>
        $"({field}:equals:{value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("(", "\\(", StringComparison.Ordinal).Replace(")", "\\)", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal)})";

    private static DateTimeOffset? Time(JsonElement data, string name) =>
        HubSpotRecords.Text(data, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
