using Microsoft.OpenApi;

namespace Cualify.Appliance.LocalApi.OpenApi;

/// <summary>What the document says of itself: title and overview, the bearer scheme, and a description for each resource's tag.</summary>
public static class DocumentDescription
{
    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Health"] = "Liveness, readiness and Prometheus metrics, without a key.",
        ["API keys"] = "Keys of the calling org: create (the full key is shown once), list masked, revoke, check the calling key.",
        ["Org"] = "The calling key's own org: name, caller id, calling hours, attempts per day, admin emails.",
        ["Operator"] = "Whoever runs the appliance, across all orgs (operator keys, created with the CLI): orgs, plans, rates, limits, credit top-ups.",
        ["Credits"] = "The org's balance in paise and its ledger of top-ups, reservations, settlements and releases.",
        ["Contacts"] = "People to call or mail: upsert on phone_e164, list and search, opt out per channel, erase (a hashed do-not-contact entry stays).",
        ["Playbooks"] = "What a call says and how it reacts (the agent_id of a call): disclosure, message or uploaded prompt, DTMF actions, voicemail.",
        ["Calls"] = "Outbound calls: place one (queued, then dialing, ringing, in_progress and one final status), list, read with timeline, cancel.",
        ["Webhooks"] = "Signed event delivery (Standard Webhooks) to CRMs: register, test, delivery history, rotate the secret, re-enable.",
        ["Events"] = "The org's events as a live Server-Sent Events stream, and replay of one event to its webhooks.",
        ["Sequences"] = "Email and voice sequences: templates, start for a contact, enrollments with review, approval and stop.",
        ["Connectors"] = "Native HubSpot and Zoho connectors: calls, emails and opt-outs written to the CRM exactly once, and CRM workflows starting sequences through a signed inbound URL.",
    };

    public static void Apply(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Cualify Appliance API",
            Version = "v1",
            Summary = "Outbound voice and email, run on your own box.",
            Description = """
                The Cualify v1 REST API served by the appliance: contacts, playbooks, calls through a SIP trunk or Twilio,
                email sequences, credits and signed webhooks to your CRM.

                Every request under /api/v1 (except the public mail links) needs `Authorization: Bearer cuk_live_<prefix8>_<secret32>`.
                Bodies are JSON with snake_case fields and UTC ISO 8601 timestamps; ids are UUIDv7 strings (events `evt_…`,
                templates `tpl_…`, enrollments `enr_…`). Lists take `limit` (1-100, default 50) and `offset` and return
                `{"data":[…],"pagination":{limit, offset, total, has_more}}`, newest first. Every error is
                `{"error":{"code","message","param","details"}}`. Responses carry `X-RateLimit-Limit`, `X-RateLimit-Remaining`
                and `X-RateLimit-Reset`; past the limit, 429 with `Retry-After`. Creating POSTs accept an `Idempotency-Key` header.
                A map of the API for AI agents is at /llms.txt.
                """,
        };
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "cuk_live_<prefix8>_<secret32>",
            Description = "An API key of the org, created with POST /api/v1/api-keys or the CLI (cualify-appliance keys create).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });

        document.Tags ??= new HashSet<OpenApiTag>();
        var used = (document.Paths ?? []).Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []).SelectMany(o => o.Tags ?? new HashSet<OpenApiTagReference>())
            .Select(t => t.Name).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var (name, description) in TagDescriptions.Where(t => used.Contains(t.Key)))
        {
            var tag = document.Tags.FirstOrDefault(t => t.Name == name);
            if (tag is null)
            {
                document.Tags.Add(new OpenApiTag { Name = name, Description = description });
            }
            else
            {
                tag.Description = description;
            }
        }
    }
}
