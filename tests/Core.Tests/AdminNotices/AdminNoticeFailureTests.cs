using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Core.Tests.AdminNotices;

public sealed class AdminNoticeFailureTests
{
    /// <summary>A failure with no retry time ends the notice for good; one with a time makes it due then (on PostgreSQL a null retry time once failed the statement).</summary>
    [Theory, ClassData(typeof(StoreProviders))]
    public async Task A_failure_without_a_retry_time_fails_the_notice_and_one_with_a_time_makes_it_due_again(string provider)
    {
        await using var core = await CoreHarness.CreateAsync(provider);
        var org = await core.Get<OrgStore>().CreateAsync("acme");
        var notices = core.Get<AdminNoticeStore>();
        var (gone, again) = await core.Store.WriteAsync(async tx =>
            ((await notices.QueueAsync(tx, org.Id, "Gone", "for good")).Id, (await notices.QueueAsync(tx, org.Id, "Again", "later")).Id));
        var retryAt = core.Time.GetUtcNow().AddMinutes(5);

        await core.Store.WriteAsync(async tx =>
        {
            await notices.RecordFailureAsync(tx, gone, "550 mailbox unavailable", null);
            await notices.RecordFailureAsync(tx, again, "421 try later", retryAt);
            return 0;
        });

        var rows = (await core.Store.ReadAsync(c => c.QueryAsync<(string Id, string Status, string NextAttemptAt, string LastError)>(
            "SELECT id, status, next_attempt_at, last_error FROM admin_notices"))).ToDictionary(r => r.Id);
        Assert.Equal(("failed", "550 mailbox unavailable"), (rows[gone].Status, rows[gone].LastError));
        Assert.Equal(("pending", "421 try later"), (rows[again].Status, rows[again].LastError));
        Assert.Equal(retryAt, UtcTimestamp.Parse(rows[again].NextAttemptAt));
    }
}
