using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>Filters of <c>GET /calls</c>.</summary>
public sealed record CallFilter(
    string? Status = null,
    string? AgentId = null,
    string? ContactId = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null,
    string? CampaignId = null);

/// <summary>Reads calls and their timelines; every read is scoped to one org except the dialer's own by-id reads.</summary>
public sealed class CallReader(ApplianceStore store)
{
    public Task<Call?> GetAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE id = @id", new { id });

    /// <summary>The call, its row locked until the transaction commits (PostgreSQL) so no one else moves it meanwhile.</summary>
    public Task<Call?> LockAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE org_id = @orgId AND id = @id{tx.Dialect.ForUpdate}", new { orgId, id });

    public Task<Call?> GetAsync(StoreTransaction tx, string orgId, string id) =>
        tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE org_id = @orgId AND id = @id", new { orgId, id });

    public Task<Call?> GetAsync(string orgId, string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Call>(new CommandDefinition(
            $"SELECT {Call.Columns} FROM calls WHERE org_id = @orgId AND id = @id", new { orgId, id }, cancellationToken: cancellationToken)), cancellationToken);

    public Task<Call?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<Call>(new CommandDefinition(
            $"SELECT {Call.Columns} FROM calls WHERE id = @id", new { id }, cancellationToken: cancellationToken)), cancellationToken);

    public async Task<IReadOnlyList<CallTimelineEntry>> TimelineAsync(string callId, CancellationToken cancellationToken = default)
    {
        var rows = await store.ReadAsync(connection => connection.QueryAsync<CallTimeline.Row>(new CommandDefinition(
            "SELECT type, at, data FROM call_timeline WHERE call_id = @callId ORDER BY seq", new { callId }, cancellationToken: cancellationToken)), cancellationToken);
        return rows.Select(r => r.ToEntry()).ToList();
    }

    public Task<Page<Call>> ListAsync(string orgId, CallFilter filter, PageRequest page, CancellationToken cancellationToken = default) =>
        ListQuery.OfOrg("calls", Call.Columns)
            .Where(filter.Status is not null, "status = @Status")
            .Where(filter.AgentId is not null, "agent_id = @AgentId")
            .Where(filter.ContactId is not null, "contact_id = @ContactId")
            .Where(filter.CreatedAfter is not null, "created_at > @CreatedAfter")
            .Where(filter.CreatedBefore is not null, "created_at < @CreatedBefore")
            .Where(filter.CampaignId is not null, "campaign_id = @CampaignId")
            .ReadAsync<Call>(store, new { OrgId = orgId, filter.Status, filter.AgentId, filter.ContactId, filter.CreatedAfter, filter.CreatedBefore, filter.CampaignId }, page, cancellationToken);
}
