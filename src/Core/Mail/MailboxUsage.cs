using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Mail;

/// <summary>
/// How much of each mailbox's hourly and daily cap is used (sent plus being sent), read once per claim pass and
/// kept up to date in memory as the pass takes messages.
/// </summary>
public sealed class MailboxUsage
{
    private readonly Dictionary<string, Counts> _counts = new(StringComparer.OrdinalIgnoreCase);
    private readonly IReadOnlyList<MailboxQuota> _mailboxes;

    private readonly DateTimeOffset _now;

    private MailboxUsage(IReadOnlyList<MailboxQuota> mailboxes, DateTimeOffset now)
    {
        _mailboxes = mailboxes;
        _now = now;
    }

    private sealed class Counts
    {
        public int Hour { get; set; }

        public int Day { get; set; }

        public DateTimeOffset? OldestInHour { get; set; }

        public DateTimeOffset? OldestInDay { get; set; }
    }

    private sealed class Row
    {
        public string Mailbox { get; init; } = "";

        public long Hour { get; init; }

        public long Day { get; init; }

        public DateTimeOffset? OldestInHour { get; init; }

        public DateTimeOffset? OldestInDay { get; init; }
    }

    public static async Task<MailboxUsage> ReadAsync(StoreTransaction tx, IReadOnlyList<MailboxQuota> mailboxes)
    {
        var usage = new MailboxUsage(mailboxes, tx.Now);
        var rows = await tx.QueryAsync<Row>("""
            SELECT mailbox AS Mailbox,
                   sum(CASE WHEN created_at > @hourAgo THEN 1 ELSE 0 END) AS Hour,
                   count(*) AS Day,
                   min(CASE WHEN created_at > @hourAgo THEN created_at END) AS OldestInHour,
                   min(created_at) AS OldestInDay
            FROM mail_sends WHERE created_at > @dayAgo GROUP BY mailbox
            """, new { hourAgo = tx.Now.AddHours(-1), dayAgo = tx.Now.AddDays(-1) });
        foreach (var row in rows)
        {
            usage._counts[row.Mailbox] = new Counts { Hour = (int)row.Hour, Day = (int)row.Day, OldestInHour = row.OldestInHour, OldestInDay = row.OldestInDay };
        }

        return usage;
    }

    /// <summary>
    /// The mailbox to send from: <paramref name="preferred"/> (the one that sent the enrollment's earlier steps,
    /// so replies thread) while it is configured, else the configured mailbox with the most room this hour.
    /// When none has room, null and the moment one will.
    /// </summary>
    public (string? Mailbox, DateTimeOffset? FreeAt) Choose(string? preferred)
    {
        var stay = preferred is null ? null : _mailboxes.FirstOrDefault(m => string.Equals(m.Address, preferred, StringComparison.OrdinalIgnoreCase));
        if (stay is not null)
        {
            return HasRoom(stay) ? (stay.Address, null) : (null, FreeAt(stay));
        }

        var open = _mailboxes.Where(HasRoom).OrderBy(m => (double)Get(m.Address).Hour / m.HourlyLimit).FirstOrDefault();
        return open is not null ? (open.Address, null) : (null, _mailboxes.Select(FreeAt).Min());
    }

    public void Take(string mailbox)
    {
        var counts = Get(mailbox);
        counts.Hour++;
        counts.Day++;
        counts.OldestInHour ??= _now;
        counts.OldestInDay ??= _now;
    }

    public static Task RecordAsync(StoreTransaction tx, string id, string mailbox, string kind) =>
        tx.ExecuteAsync("INSERT INTO mail_sends (id, mailbox, kind, created_at) VALUES (@id, @mailbox, @kind, @Now) ON CONFLICT (id) DO NOTHING",
            new { id, mailbox, kind, tx.Now });

    /// <summary>A message that did not leave gives its place back.</summary>
    public static Task ForgetAsync(StoreTransaction tx, string id) =>
        tx.ExecuteAsync("DELETE FROM mail_sends WHERE id = @id", new { id });

    private bool HasRoom(MailboxQuota quota)
    {
        var counts = Get(quota.Address);
        return counts.Hour < quota.HourlyLimit && counts.Day < quota.DailyLimit;
    }

    private DateTimeOffset FreeAt(MailboxQuota quota)
    {
        var counts = Get(quota.Address);
        var at = DateTimeOffset.MinValue;
        if (counts.Hour >= quota.HourlyLimit && counts.OldestInHour is { } hour)
        {
            at = hour.AddHours(1);
        }

        if (counts.Day >= quota.DailyLimit && counts.OldestInDay is { } day && day.AddDays(1) > at)
        {
            at = day.AddDays(1);
        }

        return at == DateTimeOffset.MinValue ? _now.AddMinutes(1) : at.AddSeconds(1);
    }

    private Counts Get(string mailbox)
    {
        if (!_counts.TryGetValue(mailbox, out var counts))
        {
            _counts[mailbox] = counts = new Counts();
        }

        return counts;
    }
}
