using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// The clock drives calling hours, billing and retries: it must not be behind what the store already recorded,
/// and should be kept right by NTP.
/// </summary>
public sealed class ClockCheck(IOptions<StoreOptions> options, TimeProvider time) : IDoctorCheck
{
    private const int TimeError = 5;
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SkewTolerance = TimeSpan.FromSeconds(2);

    public string Name => "clock";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        string? skew = null;
        DateTimeOffset? latest;
        if (options.Value.IsPostgres)
        {
            var server = await ServerClockAsync(cancellationToken);
            latest = server.Latest;
            if (server.Skew is { } offset)
            {
                if (offset.Duration() > SkewTolerance)
                {
                    return DoctorResult.Fail($"this node's clock is {offset.TotalSeconds:0.0} s off the database server's; every node must agree on time (calling hours, leases, node timeouts)",
                        "keep every node and the database server synchronised: timedatectl set-ntp true (or install chrony)");
                }

                skew = $", {offset.TotalMilliseconds:0} ms from the database server's clock";
            }

            if (server.Nodes.FirstOrDefault(n => n.Offset.Duration() > SkewTolerance) is { Id: not null } off)
            {
                return DoctorResult.Fail($"node {off.Id}'s clock was {off.Offset.TotalSeconds:0.0} s off the database server's at its last heartbeat; every node must agree on time (leases, node timeouts)",
                    "keep every node and the database server synchronised: timedatectl set-ntp true (or install chrony) on that node");
            }

            if (server.Nodes.Count > 0)
            {
                var spread = server.Nodes.Max(n => n.Offset) - server.Nodes.Min(n => n.Offset);
                skew += $"; {server.Nodes.Count} live node(s) within {spread.TotalMilliseconds:0} ms of each other";
            }
        }
        else
        {
            latest = await LatestRecordAsync(options.Value.Path, cancellationToken);
        }

        if (latest is { } last && last - now > Tolerance)
        {
            return DoctorResult.Fail($"the clock says {now:u} but the store has records from {last:u}: the clock is behind",
                "set the time and keep it synchronised: timedatectl set-ntp true (or install chrony); on Windows: w32tm /resync");
        }

        if (UnixFiles.ClockState() == TimeError)
        {
            return DoctorResult.Warn($"the kernel reports the clock ({now:u}) as not synchronised by NTP{skew}",
                "enable time synchronisation: timedatectl set-ntp true (or install chrony)");
        }

        return DoctorResult.Ok($"{now:u} UTC" + (latest is { } seen ? $", after the store's latest record ({seen:u})" : "") + skew);
    }

    /// <summary>
    /// The offset of this node's clock from the server's (half a round trip either way), the store's latest record, and
    /// every live node's offset at its last heartbeat (its own clock beside the server's, both stamped by the beat).
    /// </summary>
    private async Task<(TimeSpan? Skew, DateTimeOffset? Latest, IReadOnlyList<(string Id, TimeSpan Offset)> Nodes)> ServerClockAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresStore.OpenReadOnlyAsync(options.Value, cancellationToken);
            var before = time.GetUtcNow();
            var server = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')", cancellationToken: cancellationToken));
            var after = time.GetUtcNow();
            var skew = before + (after - before) / 2 - UtcTimestamp.Parse(server!);
            DateTimeOffset? latest = null;
            foreach (var table in new[] { "schema_migrations", "events", "credit_ledger" })
            {
                if (!await PostgresStore.HasTableAsync(connection, table, cancellationToken))
                {
                    continue;
                }

                var column = table == "schema_migrations" ? "applied_at" : "created_at";
                var text = await connection.ExecuteScalarAsync<string?>(new CommandDefinition($"SELECT max({column}) FROM {table}", cancellationToken: cancellationToken));
                if (text is not null && UtcTimestamp.Parse(text) is var at && (latest is null || at > latest))
                {
                    latest = at;
                }
            }

            var nodes = new List<(string Id, TimeSpan Offset)>();
            if (await PostgresStore.HasTableAsync(connection, "nodes", cancellationToken))
            {
                try
                {
                    var beats = await connection.QueryAsync<(string Id, string Own, string Server)>(new CommandDefinition(
                        "SELECT id, heartbeat_at, db_clock_at FROM nodes WHERE db_clock_at IS NOT NULL ORDER BY id", cancellationToken: cancellationToken));
                    nodes.AddRange(beats.Select(b => (b.Id, UtcTimestamp.Parse(b.Own) - UtcTimestamp.Parse(b.Server))));
                }
                catch (Npgsql.PostgresException)
                {
                    // A store from before heartbeats carried the server's clock: nothing to compare yet.
                }
            }

            return (skew, latest, nodes);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return (null, null, []); // the store line reports why the store cannot be read
        }
    }

    private static async Task<DateTimeOffset?> LatestRecordAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var connection = await StoreFile.OpenReadOnlyAsync(path, cancellationToken);
            var texts = new List<string?>();
            foreach (var sql in new[] { "SELECT max(applied_at) FROM schema_migrations", "SELECT max(created_at) FROM events", "SELECT max(created_at) FROM credit_ledger" })
            {
                try
                {
                    texts.Add(await connection.ExecuteScalarAsync<string?>(new CommandDefinition(sql, cancellationToken: cancellationToken)));
                }
                catch (SqliteException)
                {
                    // A table this build's store may not have yet.
                }
            }

            return texts.Select(t => DateTimeOffset.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at) ? at : (DateTimeOffset?)null)
                .Where(t => t is not null).Max();
        }
        catch (SqliteException)
        {
            return null;
        }
    }
}
