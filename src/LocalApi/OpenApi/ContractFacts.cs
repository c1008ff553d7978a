using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Contacts.Import;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Relay.Webhooks;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>
/// What the C# shapes cannot say by themselves: which request fields the contract requires, the closed sets
/// of values a field takes (from the constants Core checks against), and how each kind of id looks. Keyed by
/// the schema (type) name, so that a type moved to another namespace keeps its facts.
/// </summary>
internal static class ContractFacts
{
    private static readonly string[] Channels = [ContactChannel.Voice, ContactChannel.Email];

    private static readonly string[] EnrollmentStatuses =
    [
        EnrollmentStatus.PendingReview, EnrollmentStatus.Active, EnrollmentStatus.Completed, EnrollmentStatus.StoppedReply,
        EnrollmentStatus.StoppedOptOut, EnrollmentStatus.StoppedBounce, EnrollmentStatus.Canceled,
    ];

    private static readonly string[] StepStatuses =
    [
        StepStatus.Pending, StepStatus.Scheduled, StepStatus.Sending, StepStatus.Sent, StepStatus.Failed,
        StepStatus.Skipped, StepStatus.Bounced, StepStatus.Canceled,
    ];

    private static readonly string[] Scopes = ["read", "write", "admin"];

    private static readonly string[] Voicemail = [PlaybookRules.VoicemailHangup, PlaybookRules.VoicemailLeaveMessage];

    private static readonly string[] LedgerKinds = [LedgerKind.TopUp, LedgerKind.Reservation, LedgerKind.Settlement, LedgerKind.Release];

    private static readonly string[] EventTypes = [EventCatalog.All, .. EventCatalog.Types];

    /// <summary>
    /// Request bodies (and the shapes nested in them): the fields without which the request is refused; every other
    /// field may be left out. Any shape not listed is a response shape, whose fields are all always present.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> RequiredFields = new Dictionary<string, string[]>
    {
        ["CreateApiKeyRequest"] = ["name", "scope"],
        ["CreateCallRequest"] = ["agent_id", "to_e164"],
        ["CreateOrgRequest"] = ["name"],
        ["CreatePlaybookRequest"] = ["name"],
        ["CreateWebhookRequest"] = ["url"],
        ["OptOutRequest"] = ["channel"],
        ["ReplayRequest"] = [],
        ["SequenceStartContact"] = ["first_name"],
        ["SequenceStartInput"] = ["template_id", "contact"],
        ["TemplateInput"] = ["name", "steps"],
        ["TemplateStepInput"] = ["channel"],
        ["LanguageVariant"] = ["steps"],
        ["StepVariant"] = [],
        ["IFormFile"] = [],
        ["TopUpRequest"] = ["amount_paise"],
        ["UpdateOrgRequest"] = [],
        ["UpdateOrgTermsRequest"] = [],
        ["ContactInput"] = [],
        ["CampaignInput"] = ["name", "contacts"],
        ["CampaignContactsInput"] = [],
        ["CampaignFilterInput"] = [],
        ["CampaignPacingInput"] = [],
        ["CampaignRetryInput"] = [],
    };

    public static readonly IReadOnlyDictionary<string, string> SchemaDescriptions = new Dictionary<string, string>
    {
        ["ErrorEnvelope"] = "The body of every non-2xx response.",
        ["ErrorBody"] = "code is a stable string (invalid_request, unauthorized, forbidden, not_found, conflict, insufficient_credits, too_many_requests, upstream_error, internal_error); message says what to change; param names the offending field or parameter; details holds more (formErrors/fieldErrors for 422, reason for 403).",
        ["Pagination"] = "Where this page sits in the whole list; has_more tells whether another page follows.",
        ["ContactInput"] = "A contact, matched on phone_e164 within the org: an existing one is updated, otherwise it is created.",
        ["CreateCallRequest"] = "One outbound call: the playbook (agent_id) it plays and the number it dials.",
    };

    /// <summary>Closed value sets, keyed by (declaring schema, JSON field).</summary>
    public static readonly IReadOnlyDictionary<(string Schema, string Field), IReadOnlyList<string>> Enums =
        new Dictionary<(string, string), IReadOnlyList<string>>
        {
            [("ErrorBody", "code")] =
            [
                "invalid_request", "unauthorized", "forbidden", "not_found", "conflict", "insufficient_credits",
                "too_many_requests", "upstream_error", "internal_error",
            ],
            [("CallView", "status")] = CallStatus.All,
            [("CallDetailView", "status")] = CallStatus.All,
            [("QueuedCallView", "status")] = CallStatus.All,
            [("CallView", "direction")] = ["outbound"],
            [("CallDetailView", "direction")] = ["outbound"],
            [("CallTimelineEntry", "type")] = CallTimelineType.All,
            [("ContactView", "consent_capture")] = ConsentCapture.All,
            [("ContactInput", "consent_capture")] = ConsentCapture.All,
            [("SequenceStartContact", "consent_capture")] = ConsentCapture.All,
            [("ContactView", "opted_out_channels")] = Channels,
            [("OptOutRequest", "channel")] = [ContactChannel.Voice, ContactChannel.Email, ContactChannel.All],
            [("CreateApiKeyRequest", "scope")] = Scopes,
            [("ApiKeyView", "scope")] = [.. Scopes, "operator"],
            [("OrgView", "plan")] = OrgPlan.All,
            [("UpdateOrgTermsRequest", "plan")] = OrgPlan.All,
            [("CreatePlaybookRequest", "voicemail")] = Voicemail,
            [("PlaybookView", "voicemail")] = Voicemail,
            [("LedgerEntryView", "kind")] = LedgerKinds,
            [("CreateWebhookRequest", "events")] = EventTypes,
            [("WebhookView", "events")] = EventTypes,
            [("TemplateInput", "allowed_channels")] = Channels,
            [("SequenceTemplateView", "allowed_channels")] = Channels,
            [("TemplateStepInput", "channel")] = Channels,
            [("TemplateStep", "channel")] = Channels,
            [("EnrollmentStepView", "channel")] = Channels,
            [("EnrollmentView", "status")] = EnrollmentStatuses,
            [("SequenceStartView", "status")] = EnrollmentStatuses,
            [("EnrollmentStepView", "status")] = StepStatuses,
            [("CampaignView", "status")] = CampaignStatus.All,
            [("CampaignRetryInput", "on")] = CampaignRules.Retryable,
            [("CampaignRetryView", "on")] = CampaignRules.Retryable,
            [("CampaignFilterInput", "consent_capture")] = ConsentCapture.All,
            [("ContactImportView", "status")] = [ContactImportStatus.Running, ContactImportStatus.Completed, ContactImportStatus.Failed],
        };

    private static readonly HashSet<string> UuidFields = new(StringComparer.Ordinal)
    {
        "agent_id", "contact_id", "webhook_id", "delivery_id", "audio_id", "call_id", "org_id", "campaign_id", "import_id",
    };

    /// <summary>The path parameter <c>{id}</c> of each resource that does not use a plain UUIDv7.</summary>
    public static (string? Format, string? Pattern) PathId(string path) =>
        path.StartsWith("/api/v1/events/", StringComparison.Ordinal) ? Prefixed("evt")
        : path.StartsWith("/api/v1/sequences/templates/", StringComparison.Ordinal) ? Prefixed("tpl")
        : path.StartsWith("/api/v1/sequences/enrollments/", StringComparison.Ordinal) ? Prefixed("enr")
        : ("uuid", null);

    public static (string? Format, string? Pattern)? IdPattern(string schema, string field) => (schema, field) switch
    {
        (_, "event_id") => Prefixed("evt"),
        (_, "template_id") or ("SequenceTemplateView", "id") => Prefixed("tpl"),
        (_, "enrollment_id") or ("EnrollmentView", "id") => Prefixed("enr"),
        (_, "id") when schema.EndsWith("View", StringComparison.Ordinal) || schema == "KeyCheckOrg" => ("uuid", null),
        _ when UuidFields.Contains(field) => ("uuid", null),
        _ => null,
    };

    private static (string? Format, string? Pattern) Prefixed(string prefix) => (null, $"^{prefix}_[0-9a-f]{{32}}$");
}
