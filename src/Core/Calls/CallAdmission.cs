using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// The dialer's admission: in ONE store transaction it claims due queued calls (oldest first), re-checks every
/// rule of <see cref="DialPolicy"/> against the store as it is now, applies the global concurrency and
/// calls-per-second limits, reserves credits for each admitted call's effective maximum duration and moves it to
/// <c>dialing</c> with a conditional update. Refused calls end <c>failed</c> with their reason; waiting calls are
/// rescheduled or left due.
/// </summary>
public sealed class CallAdmission(
    ApplianceStore store,
    OrgStore orgs,
    PlaybookStore playbooks,
    CreditLedger ledger,
    CallSettlement settlement,
    IOptions<DialerOptions> options,
    ApplianceMetrics metrics,
    Cluster.ClusterNode node)
{
    private const int PageSize = 64;

    /// <summary>A campaign's queued calls wait while it is paused (or stopped): pausing stops new dials at once.</summary>
    private const string RunningCampaignOnly = "(campaign_id IS NULL OR campaign_id IN (SELECT id FROM campaigns WHERE status = 'running'))";
    private static readonly string[] LiveStatuses = [.. CallStatus.Live];
    private readonly Counter _decisions = metrics.Counter("cualify_dial_decisions_total",
        "Admission decisions on due calls: admitted, refused (the call ends failed) or waiting, by reason", "decision", "reason");

    public Task<AdmissionRound> AdmitAsync(CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => AdmitAsync(tx, options.Value.AdmissionBatchSize), cancellationToken);

    public async Task<AdmissionRound> AdmitAsync(StoreTransaction tx, int limit)
    {
        var settings = options.Value;
        var policy = new DialPolicy(settings);
        var now = tx.Now;
        // Counts then admits: one round at a time across all nodes, each seeing the calls the last one started.
        // The page's rows are locked as they are read, so a cancel that commits meanwhile waits for the round
        // (or is passed over while it holds the row) instead of pulling a call out from under its admission.
        await tx.LockAsync("call-admission");
        var globalLive = await tx.ExecuteScalarAsync<int>("SELECT count(*) FROM calls WHERE status IN @LiveStatuses", new { LiveStatuses });
        var globalRate = new StartRate(settings.CallsPerSecond, await RecentStartsAsync(tx, null, now, settings.CallsPerSecond));
        var loads = new Dictionary<string, OrgLoad>();
        var playbookCache = new Dictionary<string, Playbook?>();
        var held = new List<string>();
        var admitted = new List<DialTicket>();
        int refused = 0, deferred = 0;
        DateTimeOffset? wake = null;
        var cursor = (At: DateTimeOffset.MinValue, Id: "");
        var full = false;
        while (!full)
        {
            var page = (await tx.QueryAsync<Call>($"""
                SELECT {Call.Columns} FROM calls
                WHERE status = 'queued' AND scheduled_for <= @now AND (scheduled_for, id) > (@At, @Id) AND org_id NOT IN @held
                  AND {RunningCampaignOnly}
                ORDER BY scheduled_for, id
                LIMIT {PageSize}{tx.Dialect.SkipLocked("calls")}
                """, new { now, cursor.At, cursor.Id, held })).ToList();
            if (page.Count == 0)
            {
                break;
            }

            foreach (var call in page)
            {
                cursor = (call.ScheduledFor, call.Id);
                if (held.Contains(call.OrgId))
                {
                    continue;
                }

                if (admitted.Count >= limit || globalLive >= settings.MaxConcurrentCalls || !globalRate.HasRoom(now))
                {
                    var reason = admitted.Count >= limit ? null
                        : globalLive >= settings.MaxConcurrentCalls ? DialWaitReasons.GlobalConcurrency : DialWaitReasons.GlobalRate;
                    if (reason is not null)
                    {
                        Count(tx, "waiting", reason);
                    }

                    wake = reason == DialWaitReasons.GlobalRate ? Earliest(wake, globalRate.NextRoom(now)) : wake;
                    full = true;
                    break;
                }

                if (!loads.TryGetValue(call.OrgId, out var load))
                {
                    loads[call.OrgId] = load = await LoadOrgAsync(tx, call.OrgId, now);
                }

                if (!playbookCache.TryGetValue(call.AgentId, out var playbook))
                {
                    playbookCache[call.AgentId] = playbook = await playbooks.GetAnyAsync(tx, call.AgentId);
                }

                var decision = await policy.DecideAsync(tx, call, playbook, load, now);
                switch (decision)
                {
                    case DialDecision.Admit admit:
                        admitted.Add(await AdmitCallAsync(tx, call, playbook!, load, admit.Duration));
                        globalLive++;
                        globalRate.Record(now);
                        Count(tx, "admitted", "admitted");
                        break;
                    case DialDecision.Refuse refuse:
                        await settlement.FinishAsync(tx, call, new CallFinish(CallStatus.Failed, refuse.EndReason, now));
                        refused++;
                        Count(tx, "refused", refuse.EndReason);
                        break;
                    case DialDecision.Defer defer:
                        await tx.ExecuteAsync("UPDATE calls SET scheduled_for = @Until, updated_at = @now WHERE id = @Id AND status = 'queued'",
                            new { defer.Until, now, call.Id });
                        deferred++;
                        Count(tx, "waiting", defer.Why);
                        break;
                    case DialDecision.HoldOrg hold:
                        held.Add(call.OrgId);
                        wake = hold.RetryAt is { } retry ? Earliest(wake, retry) : wake;
                        Count(tx, "waiting", hold.Why);
                        break;
                }
            }
        }

        var nextDue = await tx.ExecuteScalarAsync<DateTimeOffset?>(
            $"SELECT min(scheduled_for) FROM calls WHERE status = 'queued' AND scheduled_for > @now AND {RunningCampaignOnly}", new { now });
        return new AdmissionRound(admitted, refused, deferred, full, Earliest(wake, nextDue));
    }

    private async Task<DialTicket> AdmitCallAsync(StoreTransaction tx, Call call, Playbook playbook, OrgLoad load, EffectiveDuration duration)
    {
        string? reservationId = null;
        if (duration.ReservationPaise > 0)
        {
            reservationId = await ledger.ReserveAsync(tx, call.OrgId, duration.ReservationPaise, call.Id);
            load.AvailablePaise -= duration.ReservationPaise;
            load.ReservedPaise += duration.ReservationPaise;
        }

        var moved = await tx.ExecuteAsync("""
            UPDATE calls SET status = 'dialing', started_at = @Now, last_seen_at = @Now, max_duration_sec = @Seconds,
                max_duration_limited_by = @LimitedBy, rate_paise_per_sec = @Rate, billing_increment_sec = @Increment,
                reservation_id = @reservationId, node_id = @NodeId, updated_at = @Now
            WHERE id = @Id AND status = 'queued'
            """, new { NodeId = node.Id, tx.Now, duration.Seconds, duration.LimitedBy, Rate = load.Org.RatePaisePerSec, Increment = load.Org.BillingIncrementSec, reservationId, call.Id });
        if (moved == 0)
        {
            throw new InvalidOperationException($"Call {call.Id} left the queue during its own admission");
        }

        load.Live++;
        load.Rate.Record(tx.Now);
        await CallTimeline.AppendAsync(tx, call.Id, CallTimelineType.Dialing, tx.Now,
            new { max_duration_sec = duration.Seconds, limited_by = duration.LimitedBy, reserved_paise = duration.ReservationPaise });
        var audio = await playbooks.AudioAsync(tx, playbook.AudioId);
        return new DialTicket(call, playbook, audio, duration, tx.Now);
    }

    private async Task<OrgLoad> LoadOrgAsync(StoreTransaction tx, string orgId, DateTimeOffset now)
    {
        var org = await orgs.GetAsync(tx, orgId) ?? throw new InvalidOperationException($"Org {orgId} of a queued call is missing");
        var live = await tx.ExecuteScalarAsync<int>("SELECT count(*) FROM calls WHERE org_id = @orgId AND status IN @LiveStatuses", new { orgId, LiveStatuses });
        return new OrgLoad(org, live, new StartRate(org.CallsPerSecond, await RecentStartsAsync(tx, orgId, now, org.CallsPerSecond)));
    }

    private static async Task<IEnumerable<DateTimeOffset>> RecentStartsAsync(StoreTransaction tx, string? orgId, DateTimeOffset now, double perSecond)
    {
        var since = now - StartRate.WindowFor(perSecond);
        return orgId is null
            ? await tx.QueryAsync<DateTimeOffset>("SELECT started_at FROM calls WHERE started_at > @since", new { since })
            : await tx.QueryAsync<DateTimeOffset>("SELECT started_at FROM calls WHERE org_id = @orgId AND started_at > @since", new { orgId, since });
    }

    private void Count(StoreTransaction tx, string decision, string reason) => tx.AfterCommit(() => _decisions.Inc(decision, reason));

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
