using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// Places calls: runs every pre-call check of the contract, in its order, and queues the call with its
/// <c>queued</c> timeline entry and <c>call.queued</c> event in one transaction, then wakes the dialer.
/// Refusals are <see cref="ApplianceException"/>s thrown before anything is written, so a caller inside a larger
/// transaction (a sequence step) may catch one and carry on: not found (param <c>agent_id</c> or
/// <c>contact_id</c>), forbidden with <c>details.reason</c> <c>no_active_plan</c>, <c>opted_out</c> or
/// <c>no_consent</c>, insufficient credits, or a validation failure naming the field.
/// </summary>
public sealed class CallPlacement(
    ApplianceStore store,
    OrgStore orgs,
    PlaybookStore playbooks,
    ContactStore contacts,
    EventOutbox outbox,
    DialSignal dialSignal,
    IOptions<DialerOptions> options)
{
    public static readonly TimeSpan MaxNotBeforeAhead = TimeSpan.FromDays(90);

    public Task<Call> QueueAsync(string orgId, CallRequest request, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => QueueAsync(tx, orgId, request), cancellationToken);

    /// <summary>Checks and queues a call inside <paramref name="tx"/>; usable from another feature's transaction.</summary>
    /// <param name="campaignId">The campaign placing the call (its hopper), which the call then carries.</param>
    public async Task<Call> QueueAsync(StoreTransaction tx, string orgId, CallRequest request, string? campaignId = null)
    {
        Validate(request, tx.Now);
        var settings = options.Value;
        var playbook = Ids.IsUuid(request.AgentId) ? await playbooks.GetAsync(tx, orgId, request.AgentId!) : null;
        if (playbook is null)
        {
            throw ApplianceException.NotFound("Agent (playbook)", "agent_id");
        }

        Contact? contact = null;
        if (request.ContactId is not null)
        {
            contact = (Ids.IsUuid(request.ContactId) ? await contacts.GetAsync(tx, orgId, request.ContactId) : null)
                ?? throw ApplianceException.NotFound("Contact", "contact_id");
        }

        var to = ResolveNumber(request, contact);
        contact ??= await contacts.FindByPhoneAsync(tx, orgId, to);
        var org = await orgs.GetAsync(tx, orgId) ?? throw ApplianceException.NotFound("Org");
        if (!org.IsActive)
        {
            throw ApplianceException.Forbidden(CallEndReasons.NoActivePlan, "The org has no active plan, so calls are refused; ask the appliance operator to activate it");
        }

        if (await DoNotContactList.ContainsAsync(tx, orgId, ContactChannel.Voice, to) || contact?.OptedOutVoice == true)
        {
            throw ApplianceException.Forbidden(CallEndReasons.OptedOut, "This number opted out of calls or is on the do-not-contact list; it is never called", "to_e164");
        }

        if (contact?.ConsentCapture is null)
        {
            throw ApplianceException.Forbidden(CallEndReasons.NoConsent,
                "No consent is recorded for this number; upsert the contact with consent_capture (POST /api/v1/contacts) before calling", "to_e164");
        }

        var pricing = new CallPricing(org.RatePaisePerSec, org.BillingIncrementSec);
        var (ceiling, _) = CallDuration.Ceiling(request.MaxDurationSec, playbook.MaxDurationSec, settings.MaxCallSeconds);
        var minimum = CallDuration.MinimumReservation(ceiling, settings.MinimumCallSeconds, pricing);
        if (minimum > org.BalancePaise)
        {
            throw ApplianceException.InsufficientCredits(org.BalancePaise, minimum);
        }

        var earliest = request.NotBefore is { } notBefore && notBefore > tx.Now ? notBefore : tx.Now;
        var scheduledFor = CallingHours.Parse(org.CallingHours).NextAllowed(earliest, CallingHours.ZonesOf(to))
            ?? throw new FieldErrors().Add("to_e164",
                $"No moment in the next 400 days is inside the org's calling_hours ({org.CallingHours}) in this number's time zone(s); change calling_hours with PATCH /api/v1/org").ToException();

        var call = await tx.QuerySingleAsync<Call>($"""
            INSERT INTO calls (id, org_id, agent_id, contact_id, status, from_e164, to_e164, language, requested_max_duration_sec,
                               provider, metadata, not_before, scheduled_for, created_at, updated_at, campaign_id)
            VALUES (@Id, @orgId, @AgentId, @ContactId, 'queued', @From, @to, @Language, @MaxDurationSec,
                    @Provider, @Metadata, @NotBefore, @scheduledFor, @Now, @Now, @campaignId)
            RETURNING {Call.Columns}
            """, new
        {
            Id = Ids.New(tx.Now),
            orgId,
            AgentId = playbook.Id,
            ContactId = contact.Id,
            From = request.FromE164 is null ? org.DefaultCallerId : PhoneNumberRules.ToE164(request.FromE164),
            to,
            Language = request.Language ?? playbook.Language,
            request.MaxDurationSec,
            settings.Provider,
            Metadata = (request.Metadata ?? []).ToJsonString(),
            request.NotBefore,
            scheduledFor,
            tx.Now,
            campaignId,
        });
        await CallTimeline.AppendAsync(tx, call.Id, CallTimelineType.Queued, tx.Now, new { scheduled_for = scheduledFor });
        await outbox.AppendAsync(tx, orgId, CallEvents.Queued, CallView.From(call));
        tx.AfterCommit(dialSignal.Notify);
        return call;
    }

    private static void Validate(CallRequest request, DateTimeOffset now)
    {
        var errors = new FieldErrors();
        if (string.IsNullOrWhiteSpace(request.AgentId))
        {
            errors.Add("agent_id", "agent_id is required: the id of a playbook from GET /api/v1/playbooks");
        }

        if (request.ToE164 is null && request.ContactId is null)
        {
            errors.Add("to_e164", PhoneNumberRules.InvalidMessage("to_e164"));
        }
        else if (request.ToE164 is not null && PhoneNumberRules.ToE164(request.ToE164) is null)
        {
            errors.Add("to_e164", PhoneNumberRules.InvalidMessage("to_e164"));
        }

        if (request.FromE164 is not null && PhoneNumberRules.ToE164(request.FromE164) is null)
        {
            errors.Add("from_e164", PhoneNumberRules.InvalidMessage("from_e164"));
        }

        if (request.Language is not null && !PlaybookRules.IsLanguage(request.Language))
        {
            errors.Add("language", "language must be a BCP 47 tag such as hi-IN or en-US");
        }

        if (request.MaxDurationSec is < 1 or > PlaybookRules.MaxDurationLimitSec)
        {
            errors.Add("max_duration_sec", $"max_duration_sec must be from 1 to {PlaybookRules.MaxDurationLimitSec}");
        }

        if (request.Metadata is not null && request.Metadata.ToJsonString().Length > 16_384)
        {
            errors.Add("metadata", "metadata must be at most 16 KiB of JSON");
        }

        if (request.NotBefore is { } notBefore && notBefore - now > MaxNotBeforeAhead)
        {
            errors.Add("not_before", $"not_before must be within {MaxNotBeforeAhead.TotalDays:0} days from now");
        }

        errors.ThrowIfAny();
    }

    private static string ResolveNumber(CallRequest request, Contact? contact)
    {
        var to = request.ToE164 is null ? null : PhoneNumberRules.ToE164(request.ToE164);
        if (contact is null)
        {
            return to!;
        }

        if (contact.PhoneE164 is null)
        {
            throw new FieldErrors().Add("contact_id", "This contact has no phone number; add phone_e164 to it before calling").ToException();
        }

        if (to is not null && to != contact.PhoneE164)
        {
            throw new FieldErrors().Add("to_e164", "to_e164 differs from the phone number of the contact named by contact_id").ToException();
        }

        return contact.PhoneE164;
    }
}
