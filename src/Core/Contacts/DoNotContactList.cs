using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// Numbers and addresses that must never be called or mailed again. Each is kept only as a keyed digest:
/// HMAC-SHA-256, under a key derived from the install's <c>secrets.key</c>, of the SHA-256 of the normalised
/// value. An erased person leaves no readable trace and stays blocked, and a copied database cannot be
/// searched by hashing every possible number. (Digests written before the key existed were the bare SHA-256;
/// <see cref="RekeyAsync"/> wraps them at start-up, which the inner SHA-256 makes possible without the values.)
/// </summary>
public static class DoNotContactList
{
    public static string Digest(StoreTransaction tx, string channel, string value) => tx.KeyedDigest(UnkeyedHash(channel, value));

    /// <summary>The same digest outside a write (an import hashes its rows before it takes the store's writer).</summary>
    public static string Digest(ApplianceStore store, string channel, string value) => store.KeyedDigest(UnkeyedHash(channel, value));

    public static Task AddAsync(StoreTransaction tx, string orgId, string channel, string value, string reason) =>
        tx.ExecuteAsync("""
            INSERT INTO do_not_contact (org_id, channel, value_hash, reason, created_at, keyed)
            VALUES (@orgId, @channel, @hash, @reason, @Now, 1)
            ON CONFLICT (org_id, channel, value_hash) DO NOTHING
            """, new { orgId, channel, hash = Digest(tx, channel, value), reason, tx.Now });

    public static async Task<bool> ContainsAsync(StoreTransaction tx, string orgId, string channel, string value) =>
        await tx.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM do_not_contact WHERE org_id = @orgId AND channel = @channel AND value_hash = @hash",
            new { orgId, channel, hash = Digest(tx, channel, value) }) > 0;

    /// <summary>
    /// Which of these digests (<see cref="Digest"/>) of numbers and of addresses are on the org's list, in one query,
    /// or one probe when the org's list is empty. The digests are walked and each looked up by the list's primary key:
    /// written as <c>IN (SELECT … json_each)</c>, SQLite first copied them all into a temporary index (~1.5 µs a
    /// digest even with an empty list); <c>CROSS JOIN</c> keeps the digests as the outer loop.
    /// </summary>
    public static async Task<HashSet<string>> FindAsync(StoreTransaction tx, string orgId, IReadOnlyCollection<string> voiceDigests, IReadOnlyCollection<string> emailDigests)
    {
        if (voiceDigests.Count + emailDigests.Count == 0
            || !await tx.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM do_not_contact WHERE org_id = @orgId)", new { orgId }))
        {
            return [];
        }

        var found = await tx.QueryAsync<string>($"""
            SELECT d.value_hash FROM {tx.Dialect.JsonValues("@voiceDigests")} AS j CROSS JOIN do_not_contact AS d
            WHERE d.org_id = @orgId AND d.channel = 'voice' AND d.value_hash = j.value
            UNION ALL
            SELECT d.value_hash FROM {tx.Dialect.JsonValues("@emailDigests")} AS j CROSS JOIN do_not_contact AS d
            WHERE d.org_id = @orgId AND d.channel = 'email' AND d.value_hash = j.value
            """, new { orgId, voiceDigests = ApplianceJson.Serialize(voiceDigests), emailDigests = ApplianceJson.Serialize(emailDigests) });
        return [.. found];
    }

    /// <summary>Keys the entries still holding a bare SHA-256; returns how many. Safe to run on every start.</summary>
    public static async Task<int> RekeyAsync(StoreTransaction tx)
    {
        var unkeyed = (await tx.QueryAsync<(string OrgId, string Channel, string ValueHash)>(
            "SELECT org_id, channel, value_hash FROM do_not_contact WHERE keyed = 0")).ToList();
        foreach (var (orgId, channel, valueHash) in unkeyed)
        {
            // A keyed twin may exist already (the same person blocked again after an upgrade): keep one row.
            await tx.ExecuteAsync("""
                INSERT INTO do_not_contact (org_id, channel, value_hash, reason, created_at, keyed)
                SELECT org_id, channel, @keyedHash, reason, created_at, 1 FROM do_not_contact
                WHERE org_id = @orgId AND channel = @channel AND value_hash = @valueHash
                ON CONFLICT (org_id, channel, value_hash) DO NOTHING
                """, new { orgId, channel, valueHash, keyedHash = tx.KeyedDigest(valueHash) });
            await tx.ExecuteAsync(
                "DELETE FROM do_not_contact WHERE org_id = @orgId AND channel = @channel AND value_hash = @valueHash AND keyed = 0",
                new { orgId, channel, valueHash });
        }

        return unkeyed.Count;
    }

    private static string UnkeyedHash(string channel, string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Subject(channel, value))));

    /// <summary>What the inner SHA-256 is taken of: the channel and the normalised value.</summary>
    internal static string Subject(string channel, string value) =>
        $"{channel}:{(channel == ContactChannel.Email ? EmailAddresses.Normalize(value) : value.Trim())}";
}
