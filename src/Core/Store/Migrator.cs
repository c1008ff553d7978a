using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// Applies the numbered SQL files embedded under <c>Store/Migrations</c>, each in its own transaction,
/// recording every applied number in <c>schema_migrations</c>. A number missing from the store is applied
/// even when higher numbers already are, so features can land in any order. Each provider has its own files
/// under the same numbers (<c>Migrations/</c> for SQLite, <c>Migrations/Postgres/</c>); on PostgreSQL nodes
/// starting together take turns through an advisory lock, and a number another node applied meanwhile is skipped.
/// </summary>
public sealed partial class Migrator(ApplianceStore store, ILogger<Migrator> logger)
{
    public sealed record Migration(int Number, string Name, string Sql);

    private const long MigrationLock = 0x43_75_61_6C_69_66_79; // "Cualify"

    /// <summary>The SQLite migrations.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded(SqliteMigrationName());

    public static IReadOnlyList<Migration> EmbeddedPostgres { get; } = LoadEmbedded(PostgresMigrationName());

    public static IReadOnlyList<Migration> EmbeddedFor(StoreDialect dialect) => dialect.IsPostgres ? EmbeddedPostgres : Embedded;

    /// <summary>Applies what is missing and returns the names applied, in order.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default, IProgress<Migration>? progress = null)
    {
        await store.WriteAsync(async tx =>
        {
            await LockAsync(tx);
            await tx.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                number INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """);
        }, cancellationToken);

        var applied = new List<Migration>();
        foreach (var migration in await PendingAsync(cancellationToken))
        {
            progress?.Report(migration);
            var ran = await store.WriteAsync(async tx =>
            {
                await LockAsync(tx);
                if (await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations WHERE number = @Number", migration) > 0)
                {
                    return false;
                }

                await tx.ExecuteAsync(migration.Sql);
                await tx.ExecuteAsync(
                    "INSERT INTO schema_migrations (number, name, applied_at) VALUES (@Number, @Name, @Now)",
                    new { migration.Number, migration.Name, tx.Now });
                return true;
            }, cancellationToken);
            if (!ran)
            {
                continue;
            }

            applied.Add(migration);
            logger.LogInformation("Applied migration {Number:D4} {Name}", migration.Number, migration.Name);
        }

        return applied.Select(m => m.Name).ToList();
    }

    /// <summary>Embedded migrations the store does not have yet.</summary>
    public async Task<IReadOnlyList<Migration>> PendingAsync(CancellationToken cancellationToken = default)
    {
        var done = await store.ReadAsync(async connection =>
        {
            var exists = await connection.ExecuteScalarAsync<long>(store.IsPostgres
                ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
                : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
            return exists == 0
                ? new HashSet<int>()
                : (await connection.QueryAsync<int>("SELECT number FROM schema_migrations")).ToHashSet();
        }, cancellationToken);
        return EmbeddedFor(store.Dialect).Where(m => !done.Contains(m.Number)).ToList();
    }

    private static Task LockAsync(StoreTransaction tx) =>
        tx.Dialect.IsPostgres ? tx.ExecuteAsync("SELECT pg_advisory_xact_lock(@MigrationLock)", new { MigrationLock }) : Task.CompletedTask;

    private static List<Migration> LoadEmbedded(Regex migrationName)
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = migrationName.Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups["number"].Value), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        var duplicate = migrations.GroupBy(m => m.Number).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share number {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.Name))}");
        }

        return migrations.OrderBy(m => m.Number).ToList();
    }

    [GeneratedRegex(@"\.Migrations\.(?<number>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex SqliteMigrationName();

    [GeneratedRegex(@"\.Migrations\.Postgres\.(?<number>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$")]
    private static partial Regex PostgresMigrationName();
}
