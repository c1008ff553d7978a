using Cualify.Appliance.Core.Common;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>Filters of <c>GET /calls</c>.</summary>
public sealed record CallFilter(
    string? Status = null,
    string? AgentId = null,
    string? ContactId = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null);

/// <summary>Reads calls and their timelines; every read is scoped to one org except the dialer's own by-id reads.</summary>
public sealed class CallReader(ApplianceStore store)
{
    public Task<Call?> GetAsync(StoreTransaction tx, string id) =>
        tx.QuerySingleOrDefaultAsync<Call>($"SELECT {Call.Columns} FROM calls WHERE id = @id", new { id });

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

    public Task<Page<Call>> ListAsync(string orgId, CallFilter filter, PageRequest page, CancellationToken cancellationToken = default)
    {
        var where = new List<string> { "org_id = @OrgId" };
        if (filter.Status is not null)
        {
            where.Add("status = @Status");
        }

        if (filter.AgentId is not null)
        {
            where.Add("agent_id = @AgentId");
        }

        if (filter.ContactId is not null)
        {
            where.Add("contact_id = @ContactId");
        }

        if (filter.CreatedAfter is not null)
        {
            where.Add("created_at > @CreatedAfter");
        }

        if (filter.CreatedBefore is not null)
        {
            where.Add("created_at < @CreatedBefore");
        }

        var condition = string.Join(" AND ", where);
        var args = new
        {
            OrgId = orgId,
            filter.Status,
            filter.AgentId,
            filter.ContactId,
            filter.CreatedAfter,
            filter.CreatedBefore,
            page.Limit,
            page.Offset,
        };
        return store.ReadAsync(async connection =>
        {
            var total = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM calls WHERE {condition}", args, cancellationToken: cancellationToken));
            var rows = await connection.QueryAsync<Call>(new CommandDefinition(
                $"SELECT {Call.Columns} FROM calls WHERE {condition} ORDER BY id DESC LIMIT @Limit OFFSET @Offset", args, cancellationToken: cancellationToken));
            return new Page<Call>(rows.ToList(), page, total);
        }, cancellationToken);
    }
}
