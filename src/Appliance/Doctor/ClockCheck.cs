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

    public string Name => "clock";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var latest = await LatestRecordAsync(options.Value.Path, cancellationToken);
        if (latest is { } last && last - now > Tolerance)
        {
            return DoctorResult.Fail($"the clock says {now:u} but the store has records from {last:u}: the clock is behind",
                "set the time and keep it synchronised: timedatectl set-ntp true (or install chrony); on Windows: w32tm /resync");
        }

        if (UnixFiles.ClockState() == TimeError)
        {
            return DoctorResult.Warn($"the kernel reports the clock ({now:u}) as not synchronised by NTP",
                "enable time synchronisation: timedatectl set-ntp true (or install chrony)");
        }

        return DoctorResult.Ok($"{now:u} UTC" + (latest is { } seen ? $", after the store's latest record ({seen:u})" : ""));
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
