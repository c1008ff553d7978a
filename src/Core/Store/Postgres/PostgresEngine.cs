using System.Data.Common;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Cualify.Appliance.Core.Store.Postgres;

/// <summary>
/// The PostgreSQL provider: each write is its own READ COMMITTED transaction on a pooled connection, run at
/// once beside any others (no write gate, no savepoint batching: the server group-commits concurrent
/// transactions itself). A write that loses a serialization conflict or a deadlock is run again from the start
/// on a fresh transaction, so callers see the same "as if alone" contract as on SQLite.
/// </summary>
internal sealed class PostgresEngine(NpgsqlDataSource dataSource, ILogger logger) : IStoreEngine
{
    private const int MaxAttempts = 5;

    public StoreDialect Dialect => StoreDialect.Postgres;

    public NpgsqlDataSource DataSource => dataSource;

    public async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken) =>
        new PostgresStoreConnection(await dataSource.OpenConnectionAsync(cancellationToken));

    public async Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, TransactionFactory begin, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            StoreTransaction tx;
            T result;
            ApplianceStore.InsideWrite.Value = true;
            try
            {
                await using var connection = new PostgresStoreConnection(await dataSource.OpenConnectionAsync(cancellationToken));
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                tx = begin(connection, transaction, cancellationToken);
                result = await write(tx);
                if (!tx.Committed)
                {
                    await transaction.CommitAsync(CancellationToken.None);
                }
            }
            catch (PostgresException ex) when (IsRetryable(ex) && attempt < MaxAttempts)
            {
                logger.LogDebug("A store write lost a {SqlState} conflict; running it again (attempt {Attempt})", ex.SqlState, attempt + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
                continue;
            }
            finally
            {
                ApplianceStore.InsideWrite.Value = false;
            }

            tx.RunAfterCommit();
            return result;
        }
    }

    private static bool IsRetryable(PostgresException ex) =>
        ex.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;

    public Task<bool> CheckpointAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
