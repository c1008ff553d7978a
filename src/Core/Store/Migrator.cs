using System.Reflection;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// Applies the numbered SQL files embedded under <c>Store/Migrations</c>, each in its own transaction,
/// recording every applied number in <c>schema_migrations</c>. A number missing from the store is applied
/// even when higher numbers already are, so features can land in any order.
/// </summary>
public sealed partial class Migrator(ApplianceStore store, ILogger<Migrator> logger)
{
    public sealed record Migration(int Number, string Name, string Sql);

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Applies what is missing and returns the names applied, in order.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken = default, IProgress<Migration>? progress = null)
    {
        await store.WriteAsync(tx => tx.ExecuteAsync("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                number INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """), cancellationToken);

        var applied = (await PendingAsync(cancellationToken)).ToList();
        foreach (var migration in applied)
        {
            progress?.Report(migration);
            await store.WriteAsync(async tx =>
            {
                await tx.ExecuteAsync(migration.Sql);
                await tx.ExecuteAsync(
                    "INSERT INTO schema_migrations (number, name, applied_at) VALUES (@Number, @Name, @Now)",
                    new { migration.Number, migration.Name, tx.Now });
            }, cancellationToken);
            logger.LogInformation("Applied migration {Number:D4} {Name}", migration.Number, migration.Name);
        }

        return applied.Select(m => m.Name).ToList();
    }

    /// <summary>Embedded migrations the store does not have yet.</summary>
    public async Task<IReadOnlyList<Migration>> PendingAsync(CancellationToken cancellationToken = default)
    {
        var done = await store.ReadAsync(async connection =>
        {
            var exists = await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
            return exists == 0
                ? new HashSet<int>()
                : (await connection.QueryAsync<int>("SELECT number FROM schema_migrations")).ToHashSet();
        }, cancellationToken);
        return Embedded.Where(m => !done.Contains(m.Number)).ToList();
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
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
    private static partial Regex MigrationName();
}
