using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Mail;

/// <summary>Where the IMAP watcher got to in a folder: its UIDVALIDITY and the last UID it handled.</summary>
public sealed record ImapPosition(string Account, long UidValidity, long LastUid);

public sealed class ImapPositions(ApplianceStore store)
{
    public Task<ImapPosition?> GetAsync(string account, CancellationToken cancellationToken = default) =>
        store.ReadAsync(connection => connection.QuerySingleOrDefaultAsync<ImapPosition>(new CommandDefinition(
            "SELECT account AS Account, uid_validity AS UidValidity, last_uid AS LastUid FROM imap_positions WHERE account = @account",
            new { account }, cancellationToken: cancellationToken)), cancellationToken);

    public Task SaveAsync(ImapPosition position, CancellationToken cancellationToken = default) =>
        store.WriteAsync(tx => tx.ExecuteAsync("""
            INSERT INTO imap_positions (account, uid_validity, last_uid, updated_at) VALUES (@Account, @UidValidity, @LastUid, @Now)
            ON CONFLICT (account) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, updated_at = excluded.updated_at
            """, new { position.Account, position.UidValidity, position.LastUid, tx.Now }), cancellationToken);
}
