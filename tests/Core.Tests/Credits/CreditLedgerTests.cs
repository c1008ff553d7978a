using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.Credits;

public sealed class CreditLedgerTests
{
    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Parallel_reservations_against_a_small_balance_never_overdraw_and_the_balance_is_the_ledger_sum(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var ledger = core.Get<CreditLedger>();
        await ledger.TopUpAsync(org.Id, 1_000, "initial");

        var attempts = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
        {
            try
            {
                return await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 70, $"call-{i}"));
            }
            catch (ApplianceException ex) when (ex.Kind == ErrorKind.InsufficientCredits)
            {
                return null;
            }
        })).ToList();
        var reservations = (await Task.WhenAll(attempts)).Where(r => r is not null).Cast<string>().ToList();

        Assert.Equal(1_000 / 70, reservations.Count);
        var summary = await ledger.SummaryAsync(org.Id);
        Assert.Equal(1_000, summary.BalancePaise);
        Assert.Equal(reservations.Count * 70, summary.ReservedPaise);

        // Settle half in parallel with more reservation attempts: the invariants still hold at the end.
        var settles = reservations.Take(7).Select((id, i) => Task.Run(() => core.Store.WriteAsync(tx => ledger.SettleAsync(tx, id, 10 * i))));
        var more = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 50, $"late-{i}"));
            }
            catch (ApplianceException ex) when (ex.Kind == ErrorKind.InsufficientCredits)
            {
            }
        }));
        await Task.WhenAll(settles.Concat(more));

        var after = await ledger.SummaryAsync(org.Id);
        var sums = await core.Store.ReadAsync(c => c.QuerySingleAsync<(long Amount, long Reserved)>(
            "SELECT coalesce(sum(amount_paise), 0), coalesce(sum(reserved_delta_paise), 0) FROM credit_ledger WHERE org_id = @Id", new { org.Id }));
        Assert.Equal(sums.Amount, after.BalancePaise);
        Assert.Equal(sums.Reserved, after.ReservedPaise);
        Assert.True(after.BalancePaise >= 0);
        Assert.True(after.AvailablePaise >= 0);
        Assert.Equal(1_000 - Enumerable.Range(0, 7).Sum(i => 10 * i), after.BalancePaise);
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task Settlement_charges_at_most_the_hold_and_releases_the_rest(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var ledger = core.Get<CreditLedger>();
        await ledger.TopUpAsync(org.Id, 5_000, null);

        var hold = await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 3_000, "call-1"));
        var charged = await core.Store.WriteAsync(tx => ledger.SettleAsync(tx, hold, 1_420));
        Assert.Equal(1_420, charged);
        var summary = await ledger.SummaryAsync(org.Id);
        Assert.Equal(5_000 - 1_420, summary.BalancePaise);
        Assert.Equal(0, summary.ReservedPaise);

        // Settling again changes nothing; charging more than the hold is capped.
        Assert.Equal(1_420, await core.Store.WriteAsync(tx => ledger.SettleAsync(tx, hold, 9_999)));
        var second = await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 100, "call-2"));
        Assert.Equal(100, await core.Store.WriteAsync(tx => ledger.SettleAsync(tx, second, 9_999)));
        var released = await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 200, "call-3"));
        Assert.Equal(0, await core.Store.WriteAsync(tx => ledger.ReleaseAsync(tx, released)));

        var final = await ledger.SummaryAsync(org.Id);
        Assert.Equal(5_000 - 1_420 - 100, final.BalancePaise);
        Assert.Equal(0, final.ReservedPaise);
        var kinds = (await ledger.LedgerAsync(org.Id, new PageRequest(100, 0))).Items.Select(e => e.Kind).Reverse().ToList();
        Assert.Equal(["topup", "reservation", "settlement", "release", "reservation", "settlement", "reservation", "release"], kinds);
    }

    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_reservation_beyond_the_available_balance_is_refused_with_the_amounts(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var ledger = core.Get<CreditLedger>();
        await ledger.TopUpAsync(org.Id, 500, null);
        await core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 400, "a"));

        var refused = await Assert.ThrowsAsync<ApplianceException>(() => core.Store.WriteAsync(tx => ledger.ReserveAsync(tx, org.Id, 101, "b")));
        Assert.Equal(ErrorKind.InsufficientCredits, refused.Kind);
        Assert.Equal(100L, refused.Details!["available_paise"]);
    }

    [Theory]
    [InlineData(0, StoreProvider.Sqlite)]
    [InlineData(-5, StoreProvider.Sqlite)]
    [InlineData(-5, StoreProvider.Postgres)]
    public async Task Top_ups_must_be_positive(long amount, string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var error = await Assert.ThrowsAsync<ApplianceException>(() => core.Get<CreditLedger>().TopUpAsync(org.Id, amount, null));
        Assert.Equal("amount_paise", error.Param);
        Assert.Equal(0, (await core.Get<CreditLedger>().SummaryAsync(org.Id)).BalancePaise);
    }
}
