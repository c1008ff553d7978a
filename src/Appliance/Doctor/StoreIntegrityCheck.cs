using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Core.Store.Postgres;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary><c>PRAGMA integrity_check</c> on the store, read-only, beside the running service.</summary>
public sealed class StoreIntegrityCheck(IOptions<StoreOptions> options) : IDoctorCheck
{
    public const string RestoreFix = "stop the service, keep the damaged file aside, and restore the latest backup (README: Backup and restore)";

    public string Name => "store";

    /// <summary>integrity_check reads every page: minutes on a store of many gigabytes.</summary>
    public TimeSpan Timeout => TimeSpan.FromMinutes(30);

    /// <summary>PostgreSQL keeps its own pages whole; doctor checks that it answers and is new enough.</summary>
    private async Task<DoctorResult> CheckPostgresAsync(CancellationToken cancellationToken)
    {
        var where = PostgresConnection.Describe(options.Value);
        try
        {
            await using var connection = await PostgresStore.OpenReadOnlyAsync(options.Value, cancellationToken);
            var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT current_setting('server_version_num')::int", cancellationToken: cancellationToken));
            if (version < PostgresStore.MinimumServerVersion)
            {
                return DoctorResult.Fail($"{where} runs PostgreSQL {version / 10000}.{version % 10000}; the appliance needs 15 or newer", "upgrade the server to PostgreSQL 15 or newer (pg_upgrade)");
            }

            return DoctorResult.Ok($"{where}: PostgreSQL {connection.PostgreSqlVersion} answers");
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or ArgumentException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            return DoctorResult.Fail($"cannot reach {where}: {ex.Message}",
                "check Store:ConnectionString (host, port, database, user; a sealed password needs this install's secret key) and that the server accepts this host (pg_hba.conf)");
        }
    }

    private static bool CanList(string folder, out string error)
    {
        error = "";
        try
        {
            _ = Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return false;
        }
    }

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Value.IsPostgres)
        {
            return await CheckPostgresAsync(cancellationToken);
        }

        var path = options.Value.Path;
        if (!File.Exists(path))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!CanList(folder, out var error))
            {
                return DoctorResult.Fail($"cannot read {folder} to open the store: {error}", "check that this user may read the data folder and its files (see data-folder above)");
            }

            return DoctorResult.Fail($"no store at {path}", $"create it with: cualify-appliance init --data-dir {Path.GetDirectoryName(path)} (or restore a backup there)");
        }

        try
        {
            await using var connection = await StoreFile.OpenReadOnlyAsync(path, cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA integrity_check";
            var problems = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    problems.Add(reader.GetString(0));
                }
            }

            if (problems is ["ok"])
            {
                return DoctorResult.Ok($"{path}: integrity ok, {new FileInfo(path).Length / (1024.0 * 1024):0.0} MB");
            }

            return DoctorResult.Fail($"{path} is damaged: integrity_check found {problems.Count} problem(s), first: {problems.FirstOrDefault()}", RestoreFix);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 11 or 26)
        {
            return DoctorResult.Fail($"{path} is damaged or not a store (SQLite: {ex.Message})", RestoreFix);
        }
        catch (SqliteException ex)
        {
            return DoctorResult.Fail($"cannot read {path} (SQLite: {ex.Message})", "check that this user may read the data folder and its files (see data-folder above)");
        }
    }
}
