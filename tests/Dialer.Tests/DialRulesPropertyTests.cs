using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Tests.Support;
using Dapper;
using Xunit.Abstractions;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>
/// Random worlds on a fake clock: orgs with random calling hours, limits, prices and balances; contacts in four
/// countries with random consent and opt-outs; calls placed, canceled, opted out and erased while others run
/// concurrently in the simulator. After every step: no call was dialed outside the rules (checked against the
/// test's own model and its own cron reading), no call moved backwards, every org's balance is the sum of its
/// ledger and never negative, and every ended call's debit is exactly its billed duration × its rate.
/// Each world runs on SQLite and on PostgreSQL.
/// </summary>
public sealed class DialRulesPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] Live = [.. CallStatus.Live];

    [Theory]
    [InlineData(11, StoreProvider.Sqlite)]
    [InlineData(23, StoreProvider.Sqlite)]
    [InlineData(37, StoreProvider.Sqlite)]
    [InlineData(11, StoreProvider.Postgres)]
    [InlineData(23, StoreProvider.Postgres)]
    [InlineData(37, StoreProvider.Postgres)]
    public async Task No_call_is_dialed_outside_the_rules_and_the_money_always_adds_up(int seed, string provider)
    {
        var random = new Random(seed);
        await using var world = await DialerWorld.CreateAsync(DateTimeOffset.Parse("2026-06-01T05:00:00Z"), new Dictionary<string, string?>
        {
            ["Dialer:MaxConcurrentCalls"] = "5",
            ["Dialer:CallsPerSecond"] = "2",
            ["Dialer:MaxCallDuration"] = "00:05:00",
            ["Dialer:MinimumCallDuration"] = "00:00:20",
            ["Logging:Level"] = "Warning",
        }, provider);
        for (var i = 0; i < 3; i++)
        {
            await world.AddPeopleAsync(random, await world.AddOrgAsync(random, $"org{i}"), 14);
        }

        var stats = new Dictionary<string, int>();
        var lastStatus = new Dictionary<string, string>();
        // The world acts for 500 steps, and on (up to 1,500) until it has dialed enough to have tested the rules: how
        // many calls end in time for the next admission depends on the machine's pace, not on the seed.
        for (var step = 0; step < 1700; step++)
        {
            var acting = step < 500 || (step < 1500 && !Exercised(stats));
            await ActAsync(world, random, stats, acting);
            var admitted = await AdmitAsync(world);
            await CheckAdmittedAsync(world, admitted, stats);
            await CheckMoneyAndStatusesAsync(world, lastStatus);
            var live = await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN @Live", new { Live }));
            if (!acting && live == 0)
            {
                break;
            }

            world.Time.Advance(live > 0 || random.Next(4) > 0 ? TimeSpan.FromSeconds(random.Next(1, 4)) : TimeSpan.FromMinutes(random.Next(5, 180)));
            await Task.Delay(3);
        }

        // Whatever still waits for its hours is canceled; once the live calls end nothing may stay reserved.
        foreach (var queued in await world.Store.ReadAsync(c => c.QueryAsync<(string Org, string Id)>("SELECT org_id, id FROM calls WHERE status = 'queued'")))
        {
            await world.Get<CallLifecycle>().CancelAsync(queued.Org, queued.Id);
        }

        for (var i = 0; i < 1000 && await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN @Live", new { Live })) > 0; i++)
        {
            world.Time.Advance(TimeSpan.FromSeconds(5));
            await Task.Delay(3);
        }

        await CheckMoneyAndStatusesAsync(world, lastStatus);
        var reserved = await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT sum(reserved_paise) FROM orgs"));
        Assert.Equal(0, reserved);
        var finals = await world.Store.ReadAsync(c => c.QueryAsync<(string Status, string? EndReason)>("SELECT status, end_reason FROM calls"));
        foreach (var group in finals.GroupBy(f => $"{f.Status}/{f.EndReason}"))
        {
            stats[group.Key] = group.Count();
        }

        output.WriteLine(string.Join(Environment.NewLine, stats.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        // The world must have exercised the rules, not passed by doing nothing.
        Assert.True(stats.GetValueOrDefault("admitted") >= 15, "too few calls were dialed");
        Assert.True(stats.GetValueOrDefault("refused_at_placement") >= 5, "no placement was refused");
        Assert.True(finals.Count(f => f.Status == "completed") >= 5, "too few calls completed");
        Assert.True(stats.GetValueOrDefault("placed_outside_hours") >= 3, "too few calls had to wait for calling hours");
    }

    private static bool Exercised(Dictionary<string, int> stats) =>
        stats.GetValueOrDefault("admitted") >= 20 && stats.GetValueOrDefault("refused_at_placement") >= 5 && stats.GetValueOrDefault("placed_outside_hours") >= 3;

    [Theory]
    [InlineData(StoreProvider.Sqlite)]
    [InlineData(StoreProvider.Postgres)]
    public async Task Placing_canceling_topping_up_and_dialing_all_at_once_never_overdraws_and_every_debit_matches(string provider)
    {
        var random = new Random(5);
        await using var world = await DialerWorld.CreateAsync(DateTimeOffset.Parse("2026-06-01T06:00:00Z"), new Dictionary<string, string?>
        {
            ["Dialer:MaxConcurrentCalls"] = "40",
            ["Dialer:CallsPerSecond"] = "40",
            ["Dialer:MinimumCallDuration"] = "00:00:10",
            ["Logging:Level"] = "Warning",
        }, provider);
        var org = await world.AddOrgAsync(random, "busy");
        await world.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(Plan: OrgPlan.Active, MaxConcurrentCalls: 40, CallsPerSecond: 40));
        await world.Get<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *", MaxAttemptsPerDay: 100));
        await world.AddPeopleAsync(random, org, 30);
        foreach (var person in world.People.Where(p => !p.Callable && !p.OptedOut))
        {
            await world.GiveConsentAsync(person);
        }

        var callable = world.People.Where(p => p.Callable).ToList();
        using var stop = new CancellationTokenSource();
        var placed = 0;
        var placing = Task.Run(async () =>
        {
            for (var i = 0; i < 150; i++)
            {
                var person = callable[i % callable.Count];
                try
                {
                    await world.Get<CallPlacement>().QueueAsync(org.Id, new CallRequest(org.Playbooks[i % 2], person.Number, MaxDurationSec: 30 + i % 90));
                    Interlocked.Increment(ref placed);
                }
                catch (ApplianceException ex) when (ex.Kind == ErrorKind.InsufficientCredits)
                {
                }
            }
        });
        var dialing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await AdmitAsync(world);
                await Task.Delay(1);
            }
        });
        var meddling = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                await world.Get<CreditLedger>().TopUpAsync(org.Id, 50 + i, "drip");
                var open = await world.Store.ReadAsync(c => c.QueryAsync<string>("SELECT id FROM calls WHERE status IN ('queued', 'ringing', 'in_progress') ORDER BY random() LIMIT 1"));
                if (open.FirstOrDefault() is { } callId)
                {
                    try
                    {
                        await world.Get<CallLifecycle>().CancelAsync(org.Id, callId);
                    }
                    catch (ApplianceException ex) when (ex.Kind == ErrorKind.Conflict)
                    {
                        // It ended between the look and the cancel.
                    }
                }

                await Task.Delay(2);
            }
        });
        var clock = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                world.Time.Advance(TimeSpan.FromSeconds(1));
                await Task.Delay(2);
            }
        });

        await Task.WhenAll(placing, meddling);
        for (var i = 0; i < 2000 && await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status NOT IN ('completed', 'failed', 'no_answer', 'busy', 'canceled')")) > 0; i++)
        {
            await Task.Delay(5);
        }

        await stop.CancelAsync();
        await Task.WhenAll(dialing, clock);
        await CheckMoneyAndStatusesAsync(world, []);
        var (reserved, completed, debited) = await world.Store.ReadAsync(async c => (
            await c.ExecuteScalarAsync<long>("SELECT reserved_paise FROM orgs WHERE id = @Id", new { org.Id }),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status = 'completed'"),
            await c.ExecuteScalarAsync<long>("SELECT coalesce(sum(credits_debited_paise), 0) FROM calls")));
        Assert.Equal(0, reserved);
        Assert.True(placed >= 20 && completed >= 10, $"placed {placed}, completed {completed}: too little happened");
        Assert.Equal(-debited, await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT sum(amount_paise) FROM credit_ledger WHERE kind = 'settlement'")));
    }

    private static async Task ActAsync(DialerWorld world, Random random, Dictionary<string, int> stats, bool acting)
    {
        if (!acting)
        {
            return;
        }

        var roll = random.Next(100);
        var person = DialerWorld.Pick(random, world.People);
        var org = world.Orgs.Single(o => o.Id == person.OrgId);
        if (roll < 35)
        {
            await PlaceAsync(world, random, org, person, stats);
        }
        else if (roll < 38 && person.Exists && !person.Erased)
        {
            await world.OptOutAsync(person);
        }
        else if (roll < 40 && person.Exists && !person.Erased)
        {
            await world.EraseAsync(person);
        }
        else if (roll < 45 && !person.Erased && !person.OptedOut)
        {
            await world.GiveConsentAsync(person);
        }
        else if (roll < 46)
        {
            org.Active = !org.Active;
            await world.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(Plan: org.Active ? OrgPlan.Active : OrgPlan.Inactive));
        }
        else if (roll < 48)
        {
            org.Hours = DialerWorld.Pick(random, DialerWorld.HourChoices);
            await world.Get<OrgStore>().UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: org.Hours));
        }
        else if (roll < 51)
        {
            await world.Get<CreditLedger>().TopUpAsync(org.Id, random.Next(100, 3_000), "test");
        }
        else if (roll < 53)
        {
            var open = await world.Store.ReadAsync(c => c.QueryAsync<string>("SELECT id FROM calls WHERE org_id = @Id AND status <> 'completed' AND status NOT IN ('failed', 'no_answer', 'busy', 'canceled')", new { org.Id }));
            if (open.FirstOrDefault() is { } callId)
            {
                try
                {
                    await world.Get<CallLifecycle>().CancelAsync(org.Id, callId);
                }
                catch (ApplianceException ex) when (ex.Kind == ErrorKind.Conflict)
                {
                    // The simulator ended it between the look and the cancel.
                }
            }
        }
    }

    /// <summary>Places a call the way the API does and checks the placement's answer against the model.</summary>
    private static async Task PlaceAsync(DialerWorld world, Random random, DialerWorld.OrgModel org, DialerWorld.PersonModel person, Dictionary<string, int> stats)
    {
        var agent = DialerWorld.Pick(random, org.Playbooks);
        var requested = random.Next(3) == 0 ? (int?)null : random.Next(10, 400);
        try
        {
            var call = await world.Get<CallPlacement>().QueueAsync(org.Id, new CallRequest(agent, person.Number, MaxDurationSec: requested));
            Assert.True(org.Active && person.Callable, $"a call to {person.Number} was accepted against the rules");
            stats["placed"] = stats.GetValueOrDefault("placed") + 1;
            var now = world.Time.GetUtcNow();
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(person.Zone)).DateTime;
            Assert.Equal(CronOracle.Allows(org.Hours, local), call.ScheduledFor == now);
            if (call.ScheduledFor > now)
            {
                var scheduledLocal = TimeZoneInfo.ConvertTime(call.ScheduledFor, TimeZoneInfo.FindSystemTimeZoneById(person.Zone)).DateTime;
                Assert.True(CronOracle.Allows(org.Hours, scheduledLocal), $"scheduled_for {scheduledLocal:ddd HH:mm} local is outside '{org.Hours}'");
                Assert.False(CronOracle.Allows(org.Hours, scheduledLocal.AddMinutes(-1)), "scheduled_for is not the first allowed minute");
                stats["placed_outside_hours"] = stats.GetValueOrDefault("placed_outside_hours") + 1;
            }
        }
        catch (ApplianceException refused)
        {
            var reason = refused.Reason;
            var expected = !org.Active ? "no_active_plan"
                : person.OptedOut || person.Erased ? "opted_out"
                : !person.Callable ? "no_consent"
                : "insufficient_credits";
            Assert.Equal(expected, reason);
            stats["refused_at_placement"] = stats.GetValueOrDefault("refused_at_placement") + 1;
        }
    }

    private static async Task<List<DialTicket>> AdmitAsync(DialerWorld world)
    {
        var all = new List<DialTicket>();
        while (true)
        {
            var round = await world.Get<CallAdmission>().AdmitAsync();
            foreach (var ticket in round.Admitted)
            {
                world.LiveCalls.Start(ticket);
            }

            all.AddRange(round.Admitted);
            if (round.Admitted.Count < world.Options.AdmissionBatchSize)
            {
                return all;
            }
        }
    }

    /// <summary>Every call dialed this step passed every rule at this instant.</summary>
    private static async Task CheckAdmittedAsync(DialerWorld world, List<DialTicket> admitted, Dictionary<string, int> stats)
    {
        var now = world.Time.GetUtcNow();
        await SyncDtmfOptOutsAsync(world);
        foreach (var ticket in admitted)
        {
            Assert.Equal(now, ticket.StartedAt);
            var call = (await world.Get<CallReader>().GetAsync(ticket.Call.Id))!;
            var org = world.Orgs.Single(o => o.Id == call.OrgId);
            var person = world.People.Single(p => p.OrgId == call.OrgId && p.Number == call.ToE164);
            Assert.True(org.Active, $"call {call.Id} dialed while its org's plan was inactive");
            Assert.True(person.Callable, $"call {call.Id} dialed {person.Number} without consent or after an opt-out/erasure");
            var local = TimeZoneInfo.ConvertTime(now, TimeZoneInfo.FindSystemTimeZoneById(person.Zone)).DateTime;
            Assert.True(CronOracle.Allows(org.Hours, local), $"call {call.Id} dialed at {local:ddd HH:mm} local, outside '{org.Hours}'");
            Assert.Equal(now, call.StartedAt);
            Assert.Equal(ticket.Duration.Seconds, call.MaxDurationSec);

            var attempts = await world.Store.ReadAsync(c => c.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM calls WHERE org_id = @OrgId AND to_e164 = @ToE164 AND started_at > @since",
                new { call.OrgId, call.ToE164, since = now.AddHours(-24) }));
            Assert.True(attempts <= org.MaxAttempts, $"{attempts} attempts in 24 h to {person.Number}, cap {org.MaxAttempts}");

            var cap = Math.Min(Math.Min(call.RequestedMaxDurationSec ?? int.MaxValue, org.PlaybookMax[call.AgentId]), world.Options.MaxCallSeconds);
            Assert.True(call.MaxDurationSec <= cap);
            Assert.True(call.MaxDurationLimitedBy == DurationLimit.Credits ? call.MaxDurationSec < cap : call.MaxDurationSec == cap, $"call {call.Id}: {call.MaxDurationSec} s limited by {call.MaxDurationLimitedBy}, terms cap {cap} s");
            Assert.Equal(org.Pricing.ReservationFor(call.MaxDurationSec!.Value), ticket.Duration.ReservationPaise);
            stats["admitted"] = stats.GetValueOrDefault("admitted") + 1;
        }

        foreach (var org in world.Orgs)
        {
            var (live, started) = await world.Store.ReadAsync(async c => (
                await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE org_id = @Id AND status IN @Live", new { org.Id, Live }),
                await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE org_id = @Id AND started_at > @since", new { org.Id, since = now - StartRate.WindowFor(org.CallsPerSecond) })));
            Assert.True(live <= org.MaxConcurrent, $"{live} live calls for an org capped at {org.MaxConcurrent}");
            Assert.True(started <= Math.Max(1, Math.Floor(org.CallsPerSecond)), $"{started} calls started within a window for {org.CallsPerSecond}/s");
        }

        var (allLive, allStarted) = await world.Store.ReadAsync(async c => (
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE status IN @Live", new { Live }),
            await c.ExecuteScalarAsync<long>("SELECT count(*) FROM calls WHERE started_at > @since", new { since = now.AddSeconds(-1) })));
        Assert.True(allLive <= world.Options.MaxConcurrentCalls, $"{allLive} live calls, global cap {world.Options.MaxConcurrentCalls}");
        Assert.True(allStarted <= world.Options.CallsPerSecond, $"{allStarted} calls started in one second, global {world.Options.CallsPerSecond}/s");
    }

    /// <summary>The simulated callee may press 9: that opt-out is the appliance's doing, so the model learns it.</summary>
    private static async Task SyncDtmfOptOutsAsync(DialerWorld world)
    {
        var optedOut = await world.Store.ReadAsync(c => c.QueryAsync<(string Org, string Number)>(
            "SELECT org_id, phone_e164 FROM contacts WHERE opted_out_voice = 1"));
        foreach (var (org, number) in optedOut)
        {
            world.People.Single(p => p.OrgId == org && p.Number == number).OptedOut = true;
        }
    }

    private static async Task CheckMoneyAndStatusesAsync(DialerWorld world, Dictionary<string, string> lastStatus)
    {
        await world.Store.ReadAsync(async c =>
        {
            var orgs = await c.QueryAsync<(string Id, long Balance, long Reserved, long LedgerBalance, long LedgerReserved, long Open)>("""
                SELECT o.id, o.balance_paise, o.reserved_paise,
                       (SELECT coalesce(sum(amount_paise), 0) FROM credit_ledger l WHERE l.org_id = o.id),
                       (SELECT coalesce(sum(reserved_delta_paise), 0) FROM credit_ledger l WHERE l.org_id = o.id),
                       (SELECT coalesce(sum(amount_paise), 0) FROM credit_reservations r WHERE r.org_id = o.id AND r.status = 'open')
                FROM orgs o
                """);
            foreach (var org in orgs)
            {
                Assert.True(org.Balance >= 0 && org.Reserved >= 0 && org.Reserved <= org.Balance, $"org {org.Id}: balance {org.Balance}, reserved {org.Reserved}");
                Assert.Equal(org.LedgerBalance, org.Balance);
                Assert.Equal(org.LedgerReserved, org.Reserved);
                Assert.Equal(org.Open, org.Reserved);
            }

            var calls = await c.QueryAsync<CallRow>("""
                SELECT c.id, c.status, c.duration_sec, c.billed_sec, c.credits_debited_paise, c.max_duration_sec, c.rate_paise_per_sec,
                       c.billing_increment_sec, c.answered_at, r.status AS reservation_status, r.charged_paise
                FROM calls c LEFT JOIN credit_reservations r ON r.id = c.reservation_id
                """);
            foreach (var call in calls)
            {
                if (lastStatus.TryGetValue(call.Id, out var before) && before != call.Status)
                {
                    Assert.True(CanReach(before, call.Status), $"call {call.Id} moved {before} → {call.Status}");
                }

                lastStatus[call.Id] = call.Status;
                if (!CallStatus.IsFinal(call.Status))
                {
                    Assert.True(call.ReservationStatus is null or "open", $"live call {call.Id} has a closed reservation");
                    continue;
                }

                var pricing = new CallPricing(call.RatePaisePerSec ?? 0, (int)(call.BillingIncrementSec ?? 1));
                Assert.Equal(pricing.Charge(call.DurationSec ?? 0), call.CreditsDebitedPaise);
                Assert.Equal(call.DurationSec is null ? null : pricing.BilledSeconds(call.DurationSec.Value), call.BilledSec);
                Assert.True(call.DurationSec is null || call.DurationSec <= call.MaxDurationSec, $"call {call.Id} talked {call.DurationSec} s over its {call.MaxDurationSec} s");
                Assert.Equal(call.AnsweredAt is not null, call.Status == CallStatus.Completed);
                Assert.True(call.ReservationStatus is null or "settled" or "released", $"ended call {call.Id} left its reservation {call.ReservationStatus}");
                Assert.Equal(call.ReservationStatus is null ? 0 : call.ChargedPaise ?? 0, call.CreditsDebitedPaise);
            }

            return true;
        });
    }

    /// <summary>Between two looks a call may take several steps, but only forward, and never out of a final status.</summary>
    private static bool CanReach(string from, string to) =>
        CallStatus.CanMove(from, to) || CallStatus.All.Any(middle => CallStatus.CanMove(from, middle) && CanReach(middle, to));

    private sealed class CallRow
    {
        public string Id { get; init; } = "";

        public string Status { get; init; } = "";

        public long? DurationSec { get; init; }

        public long? BilledSec { get; init; }

        public long CreditsDebitedPaise { get; init; }

        public long? MaxDurationSec { get; init; }

        public long? RatePaisePerSec { get; init; }

        public long? BillingIncrementSec { get; init; }

        public string? AnsweredAt { get; init; }

        public string? ReservationStatus { get; init; }

        public long? ChargedPaise { get; init; }
    }
}
