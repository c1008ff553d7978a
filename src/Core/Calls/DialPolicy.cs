using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>What the admission knows about one org during a round; updated as the round admits its calls.</summary>
internal sealed class OrgLoad(Org org, int live, StartRate rate)
{
    public Org Org { get; } = org;

    public int Live { get; set; } = live;

    public StartRate Rate { get; } = rate;

    public long AvailablePaise { get; set; } = org.AvailablePaise;

    public long ReservedPaise { get; set; } = org.ReservedPaise;

    public CallingHours Hours { get; } = CallingHours.Parse(org.CallingHours);
}

/// <summary>
/// The rules a due call must pass to be dialed, in order: the org's plan, the playbook still exists, the number
/// is not opted out or on the do-not-contact list, consent is recorded, the callee's local time is inside calling
/// hours in every zone, the daily attempt cap, the org's concurrency and calls-per-second limits, and a balance
/// that pays for the effective maximum duration. Failing a rule about the person or the plan ends the call;
/// failing one about time or capacity makes it wait.
/// </summary>
internal sealed class DialPolicy(DialerOptions options)
{
    public static readonly TimeSpan AttemptWindow = TimeSpan.FromHours(24);

    public async Task<DialDecision> DecideAsync(StoreTransaction tx, Call call, Playbook? playbook, OrgLoad load, DateTimeOffset now)
    {
        var org = load.Org;
        if (!org.IsActive)
        {
            return new DialDecision.Refuse(CallEndReasons.NoActivePlan);
        }

        if (playbook is null || playbook.DeletedAt is not null)
        {
            return new DialDecision.Refuse(CallEndReasons.AgentDeleted);
        }

        if (call.ToE164 is null)
        {
            return new DialDecision.Refuse(CallEndReasons.ContactErased);
        }

        var contact = await tx.QuerySingleOrDefaultAsync<(string? ConsentCapture, bool OptedOutVoice)>(
            "SELECT consent_capture, opted_out_voice FROM contacts WHERE org_id = @OrgId AND phone_e164 = @ToE164", new { call.OrgId, call.ToE164 });
        if (contact.OptedOutVoice || await DoNotContactList.ContainsAsync(tx, org.Id, ContactChannel.Voice, call.ToE164))
        {
            return new DialDecision.Refuse(CallEndReasons.OptedOut);
        }

        if (contact.ConsentCapture is null)
        {
            return new DialDecision.Refuse(CallEndReasons.NoConsent);
        }

        var zones = CallingHours.ZonesOf(call.ToE164);
        if (!load.Hours.Allows(now, zones))
        {
            var next = load.Hours.NextAllowed(now, zones);
            return next is null
                ? new DialDecision.Refuse(DialWaitReasons.OutsideCallingHours)
                : new DialDecision.Defer(DialWaitReasons.OutsideCallingHours, next.Value);
        }

        var attempts = (await tx.QueryAsync<DateTimeOffset>("""
            SELECT started_at FROM calls
            WHERE org_id = @OrgId AND to_e164 = @ToE164 AND started_at > @since
            ORDER BY started_at
            """, new { call.OrgId, call.ToE164, since = now - AttemptWindow })).ToList();
        if (attempts.Count >= org.MaxAttemptsPerDay)
        {
            return new DialDecision.Defer(DialWaitReasons.AttemptCap, attempts[attempts.Count - org.MaxAttemptsPerDay] + AttemptWindow);
        }

        if (load.Live >= org.MaxConcurrentCalls)
        {
            return new DialDecision.HoldOrg(DialWaitReasons.OrgConcurrency);
        }

        if (!load.Rate.HasRoom(now))
        {
            return new DialDecision.HoldOrg(DialWaitReasons.OrgRate, load.Rate.NextRoom(now));
        }

        var pricing = new CallPricing(org.RatePaisePerSec, org.BillingIncrementSec);
        var duration = CallDuration.Decide(call.RequestedMaxDurationSec, playbook.MaxDurationSec, options.MaxCallSeconds, pricing, load.AvailablePaise, options.MinimumCallSeconds);
        if (duration is null)
        {
            var (ceiling, _) = CallDuration.Ceiling(call.RequestedMaxDurationSec, playbook.MaxDurationSec, options.MaxCallSeconds);
            var minimum = CallDuration.MinimumReservation(ceiling, options.MinimumCallSeconds, pricing);
            // Live calls hold part of the balance: once they settle this call may fit, so it waits rather than fails.
            return load.ReservedPaise > 0 && load.AvailablePaise + load.ReservedPaise >= minimum
                ? new DialDecision.HoldOrg(DialWaitReasons.CreditsHeld)
                : new DialDecision.Refuse(CallEndReasons.InsufficientCredits);
        }

        return new DialDecision.Admit(duration);
    }
}
