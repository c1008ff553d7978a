using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.AdminNotices;

/// <summary>An email to an org's admins, waiting for the mailer or sent.</summary>
public sealed class AdminNotice
{
    public string Id { get; init; } = "";

    public string OrgId { get; init; } = "";

    public string Recipients { get; init; } = "[]";

    public string Subject { get; init; } = "";

    public string Body { get; init; } = "";

    public string Status { get; init; } = "";

    public int Attempts { get; init; }

    public DateTimeOffset NextAttemptAt { get; init; }

    public string? LastError { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public IReadOnlyList<string> RecipientList => System.Text.Json.JsonSerializer.Deserialize<string[]>(Recipients) ?? [];
}

/// <summary>
/// Emails to an org's admins (the addresses in the org's <c>admin_emails</c>), for any feature: the review gate
/// of sequences, a webhook the relay disabled… Queue one with <see cref="QueueAsync"/> inside the transaction of
/// the change it reports; the mailer sends it after the commit, retrying transient failures.
/// </summary>
public sealed class AdminNoticeStore(ApplianceStore store, OrgStore orgs, MailSignal signal, ILogger<AdminNoticeStore> logger)
{
    private const string Columns = "id, org_id, recipients, subject, body, status, attempts, next_attempt_at, last_error, sent_at, created_at";

    /// <summary>
    /// Queues a plain-text email to the org's admins; with no admin addresses it is kept as <c>no_recipients</c>.
    /// A notice about one contact names it (<paramref name="contactId"/>) so that erasing the contact removes it.
    /// </summary>
    public async Task<AdminNotice> QueueAsync(StoreTransaction tx, string orgId, string subject, string body, string? contactId = null)
    {
        var org = await orgs.GetAsync(tx, orgId) ?? throw new InvalidOperationException($"No org {orgId}");
        var recipients = org.AdminEmailList;
        if (recipients.Count == 0)
        {
            logger.LogWarning("Org {OrgName} has no admin_emails; the notice '{Subject}' is kept but not sent. Set admin_emails with PATCH /api/v1/org", org.Name, subject);
        }

        var notice = await tx.QuerySingleAsync<AdminNotice>($"""
            INSERT INTO admin_notices (id, org_id, recipients, subject, body, status, next_attempt_at, created_at, contact_id)
            VALUES (@Id, @orgId, @Recipients, @subject, @body, @Status, @Now, @Now, @contactId)
            RETURNING {Columns}
            """, new
        {
            Id = Ids.New(tx.Now),
            orgId,
            Recipients = ApplianceJson.Serialize(recipients),
            subject,
            body,
            Status = recipients.Count == 0 ? "no_recipients" : "pending",
            tx.Now,
            contactId,
        });
        tx.AfterCommit(signal.Notify);
        return notice;
    }

    /// <summary>Takes due notices for sending; a notice whose sender vanished mid-send is due again once its lease ends.</summary>
    public async Task<IReadOnlyList<AdminNotice>> ClaimAsync(StoreTransaction tx, int limit, TimeSpan lease) =>
        (await tx.QueryAsync<AdminNotice>($"""
            UPDATE admin_notices SET status = 'sending', attempts = attempts + 1, claimed_until = @Lease
            WHERE id IN (SELECT id FROM admin_notices
                         WHERE (status = 'pending' AND next_attempt_at <= @Now) OR (status = 'sending' AND claimed_until < @Now)
                         ORDER BY next_attempt_at LIMIT @limit)
            RETURNING {Columns}
            """, new { tx.Now, Lease = tx.Now + lease, limit })).ToList();

    public Task RecordSentAsync(StoreTransaction tx, string id) =>
        tx.ExecuteAsync("UPDATE admin_notices SET status = 'sent', sent_at = @Now, claimed_until = NULL, last_error = NULL WHERE id = @id", new { id, tx.Now });

    /// <summary>A failed try: due again at <paramref name="retryAt"/>, or failed for good when that is null.</summary>
    public Task RecordFailureAsync(StoreTransaction tx, string id, string error, DateTimeOffset? retryAt) =>
        tx.ExecuteAsync("""
            UPDATE admin_notices SET status = CASE WHEN CAST(@retryAt AS TEXT) IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = coalesce(@retryAt, next_attempt_at), claimed_until = NULL, last_error = @error
            WHERE id = @id
            """, new { id, error, retryAt });

    public async Task<DateTimeOffset?> NextDueAsync(StoreTransaction tx) =>
        await tx.QuerySingleOrDefaultAsync<string?>("SELECT min(next_attempt_at) FROM admin_notices WHERE status = 'pending'") is { } next
            ? UtcTimestamp.Parse(next)
            : null;

    /// <summary>The org's notices, newest first.</summary>
    public async Task<IReadOnlyList<AdminNotice>> ListAsync(string orgId, CancellationToken cancellationToken = default) =>
        await store.ReadAsync(async connection => (await Dapper.SqlMapper.QueryAsync<AdminNotice>(connection, new Dapper.CommandDefinition(
            $"SELECT {Columns} FROM admin_notices WHERE org_id = @orgId ORDER BY id DESC", new { orgId }, cancellationToken: cancellationToken))).ToList(), cancellationToken);
}
