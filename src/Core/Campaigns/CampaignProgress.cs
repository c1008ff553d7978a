using Cualify.Appliance.Core.Store;
using Dapper;
using System.Data.Common;

namespace Cualify.Appliance.Core.Campaigns;

/// <summary>
/// Where a campaign stands, counted from its members in one read, so the parts always add up:
/// <c>total = pending + in_flight + Σ done</c>. <c>retries_scheduled</c> are the pending members already tried.
/// </summary>
public sealed record CampaignProgress(
    long Total,
    long Pending,
    long InFlight,
    IReadOnlyDictionary<string, long> Done,
    long RetriesScheduled,
    DateTimeOffset? Eta)
{
    public static async Task<CampaignProgress> ReadAsync(DbConnection connection, DbTransaction? transaction, Campaign campaign, DateTimeOffset now)
    {
        var rows = await connection.QueryAsync<(string State, string? Result, long Retrying, long Count)>(new CommandDefinition("""
            SELECT state, result, CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END AS retrying, count(*) AS count
            FROM campaign_members WHERE campaign_id = @Id
            GROUP BY state, result, retrying
            """, new { campaign.Id }, transaction));
        long pending = 0, inFlight = 0, retries = 0;
        var done = MemberResults.All.Where(r => campaign.IsSequence ? r is MemberResults.Enrolled or MemberResults.EnrollmentFailed or MemberResults.OptedOut
                or MemberResults.ContactErased or MemberResults.NotCalled
            : r is not (MemberResults.Enrolled or MemberResults.EnrollmentFailed)).ToDictionary(r => r, _ => 0L);
        foreach (var (state, result, retrying, count) in rows)
        {
            switch (state)
            {
                case "pending":
                    pending += count;
                    retries += retrying * count;
                    break;
                case "queued":
                    inFlight += count;
                    break;
                default:
                    done[result ?? MemberResults.Failed] = done.GetValueOrDefault(result ?? MemberResults.Failed) + count;
                    break;
            }
        }

        DateTimeOffset? eta = campaign.Status == CampaignStatus.Running && pending + inFlight > 0
            ? Later(campaign.NextDialAt, now) + campaign.Interval * pending
            : null;
        return new CampaignProgress(pending + inFlight + done.Values.Sum(), pending, inFlight, done, retries, eta);
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    public static Task<CampaignProgress> ReadAsync(StoreTransaction tx, Campaign campaign) =>
        ReadAsync(tx.Connection, tx.Transaction, campaign, tx.Now);
}
