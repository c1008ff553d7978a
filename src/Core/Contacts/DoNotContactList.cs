using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// Numbers and addresses that must never be called or mailed again, kept only as SHA-256 of the normalised
/// value so that an erased person leaves no readable trace but stays blocked.
/// </summary>
public static class DoNotContactList
{
    public static string Hash(string channel, string value)
    {
        var normalized = channel == ContactChannel.Email ? EmailAddresses.Normalize(value) : value.Trim();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{channel}:{normalized}")));
    }

    public static Task AddAsync(StoreTransaction tx, string orgId, string channel, string value, string reason) =>
        tx.ExecuteAsync("""
            INSERT INTO do_not_contact (org_id, channel, value_hash, reason, created_at)
            VALUES (@orgId, @channel, @hash, @reason, @Now)
            ON CONFLICT (org_id, channel, value_hash) DO NOTHING
            """, new { orgId, channel, hash = Hash(channel, value), reason, tx.Now });

    public static async Task<bool> ContainsAsync(StoreTransaction tx, string orgId, string channel, string value) =>
        await tx.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM do_not_contact WHERE org_id = @orgId AND channel = @channel AND value_hash = @hash",
            new { orgId, channel, hash = Hash(channel, value) }) > 0;

    public static async Task<bool> ContainsAsync(SqliteConnection connection, string orgId, string channel, string value, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM do_not_contact WHERE org_id = @orgId AND channel = @channel AND value_hash = @hash",
            new { orgId, channel, hash = Hash(channel, value) }, cancellationToken: cancellationToken)) > 0;
}
