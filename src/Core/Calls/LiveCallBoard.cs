using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Calls;

/// <summary>A live call as the operator console's Live page shows it.</summary>
public sealed class LiveCall
{
    public string Id { get; init; } = "";

    public string Status { get; init; } = "";

    public string AgentId { get; init; } = "";

    /// <summary>The playbook's name (null when it was deleted).</summary>
    public string? AgentName { get; init; }

    public string? ToE164 { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? RingingAt { get; init; }

    public DateTimeOffset? AnsweredAt { get; init; }

    public int? MaxDurationSec { get; init; }

    /// <summary>When the call entered the status it is in now.</summary>
    public DateTimeOffset InStateSince => Status switch
    {
        CallStatus.InProgress => AnsweredAt ?? RingingAt ?? StartedAt ?? CreatedAt,
        CallStatus.Ringing => RingingAt ?? StartedAt ?? CreatedAt,
        _ => StartedAt ?? CreatedAt,
    };
}

/// <summary>One org's live picture: its live calls, queued calls by reason, and the recent start rate.</summary>
public sealed record LiveBoard(IReadOnlyList<LiveCall> Calls, IReadOnlyDictionary<string, int> QueuedByReason, double CallsPerSecond, DateTimeOffset At)
{
    public int Count(string status) => Calls.Count(c => c.Status == status);
}

/// <summary>Reads the live picture of an org in one read, for the console's Live page and its updates.</summary>
public sealed class LiveCallBoard(ApplianceStore store, TimeProvider time)
{
    /// <summary>The start rate is averaged over this window.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    public const int MaxCalls = 2000;

    public const string QueuedForCallingHours = "calling_hours";
    public const string QueuedForRetry = "retry_later";
    public const string QueuedForCapacity = "waiting_for_capacity";

    public Task<LiveBoard> ReadAsync(string orgId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        return store.ReadAsync(async connection =>
        {
            var calls = await connection.QueryAsync<LiveCall>(new CommandDefinition("""
                SELECT c.id, c.status, c.agent_id, p.name AS agent_name, c.to_e164, c.created_at, c.started_at,
                       (SELECT max(t.at) FROM call_timeline t WHERE t.call_id = c.id AND t.type = 'ringing') AS ringing_at,
                       c.answered_at, c.max_duration_sec
                FROM calls c LEFT JOIN playbooks p ON p.id = c.agent_id
                WHERE c.org_id = @orgId AND c.status IN ('dialing', 'ringing', 'in_progress')
                ORDER BY c.created_at DESC, c.id DESC
                LIMIT @MaxCalls
                """, new { orgId, MaxCalls }, cancellationToken: cancellationToken));
            var queued = await connection.QueryAsync<(string Reason, long Count)>(new CommandDefinition($"""
                SELECT CASE WHEN scheduled_for IS NOT NULL AND scheduled_for > @now THEN '{QueuedForCallingHours}'
                            WHEN not_before IS NOT NULL AND not_before > @now THEN '{QueuedForRetry}'
                            ELSE '{QueuedForCapacity}' END AS reason, count(*) AS count
                FROM calls WHERE org_id = @orgId AND status = 'queued'
                GROUP BY reason
                """, new { orgId, now }, cancellationToken: cancellationToken));
            var started = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM calls WHERE org_id = @orgId AND started_at > @since",
                new { orgId, since = now - RateWindow }, cancellationToken: cancellationToken));
            return new LiveBoard(calls.ToList(), queued.ToDictionary(q => q.Reason, q => (int)q.Count), started / RateWindow.TotalSeconds, now);
        }, cancellationToken);
    }
}
