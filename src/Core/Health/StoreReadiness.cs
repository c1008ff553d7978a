using Cualify.Appliance.Core.Store;
using Dapper;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Core.Health;

/// <summary>The store answers and has every migration this build knows.</summary>
public sealed class StoreReadiness(ApplianceStore store, Migrator migrator) : IReadinessCheck
{
    public string Name => "store";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.ReadAsync(connection => connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken)), cancellationToken);
            var pending = await migrator.PendingAsync(cancellationToken);
            return pending.Count == 0
                ? ReadinessResult.Ok()
                : ReadinessResult.Failed($"{pending.Count} migrations not applied; run cualify-appliance migrate");
        }
        catch (SqliteException ex)
        {
            return ReadinessResult.Failed($"SQLite error {ex.SqliteErrorCode}: {ex.Message}");
        }
        catch (DbException ex)
        {
            return ReadinessResult.Failed($"PostgreSQL error {ex.SqlState}: {ex.Message}");
        }
    }
}
