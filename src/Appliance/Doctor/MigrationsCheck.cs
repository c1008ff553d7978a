using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Store;
using Dapper;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary>The store has exactly the migrations this build carries: none pending, none from a newer build.</summary>
public sealed class MigrationsCheck(IOptions<StoreOptions> options) : IDoctorCheck
{
    public string Name => "migrations";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var path = options.Value.Path;
        HashSet<int> applied;
        if (options.Value.IsPostgres)
        {
            try
            {
                await using var connection = await PostgresStore.OpenReadOnlyAsync(options.Value, cancellationToken);
                applied = await PostgresStore.HasTableAsync(connection, "schema_migrations", cancellationToken)
                    ? (await connection.QueryAsync<int>(new CommandDefinition("SELECT number FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet()
                    : [];
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException)
            {
                return DoctorResult.Fail($"cannot read the applied migrations (PostgreSQL: {ex.Message})", "see the store line above");
            }

            return Compare(applied, Migrator.EmbeddedPostgres);
        }

        if (!File.Exists(path))
        {
            return DoctorResult.Fail($"no store at {path}", "see the store line above");
        }

        try
        {
            await using var connection = await StoreFile.OpenReadOnlyAsync(path, cancellationToken);
            var hasTable = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'", cancellationToken: cancellationToken));
            applied = hasTable == 0
                ? []
                : (await connection.QueryAsync<int>(new CommandDefinition("SELECT number FROM schema_migrations", cancellationToken: cancellationToken))).ToHashSet();
        }
        catch (SqliteException ex)
        {
            return DoctorResult.Fail($"cannot read the applied migrations (SQLite: {ex.Message})", "see the store line above");
        }

        return Compare(applied, Migrator.Embedded);
    }

    private static DoctorResult Compare(HashSet<int> applied, IReadOnlyList<Migrator.Migration> embedded)
    {
        var known = embedded.Select(m => m.Number).ToHashSet();
        var unknown = applied.Where(n => !known.Contains(n)).Order().ToList();
        if (unknown.Count > 0)
        {
            return DoctorResult.Fail(
                $"the store has migrations this build does not know ({string.Join(", ", unknown.Select(n => n.ToString("D4")))}): a newer version used it",
                "install that newer version again, or restore a backup taken before the upgrade");
        }

        var pending = embedded.Where(m => !applied.Contains(m.Number)).ToList();
        if (pending.Count > 0)
        {
            return DoctorResult.Fail(
                $"{pending.Count} migration(s) not applied: {string.Join(", ", pending.Take(5).Select(m => $"{m.Number:D4} {m.Name}"))}",
                "run: cualify-appliance migrate (as the service user), or restart the service, which migrates on start");
        }

        return DoctorResult.Ok($"all {applied.Count} migrations applied");
    }
}
