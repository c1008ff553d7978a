using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Core.Store.Sqlite;

/// <summary>
/// The SQLite provider: WAL, foreign keys, a busy timeout, many readers and exactly one writer. Every write
/// holds the write gate for one <c>BEGIN IMMEDIATE</c> transaction, so rules such as "the balance never goes
/// below zero" are checked and applied without interleaving. The writer runs with <c>secure_delete</c>: what a
/// write removes or replaces is overwritten with zeros, so erased data does not linger in free space.
/// </summary>
/// <remarks>
/// Group commit: writes that queue up while another batch commits run together in the next transaction,
/// each inside its own savepoint, so one fsync serves many writers without changing what each one sees.
/// </remarks>
internal sealed class SqliteEngine : IStoreEngine
{
    private const int MaxBatch = 64;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentQueue<IWriteItem> _pending = new();
    private readonly StoreOptions _options;
    private readonly string _writerConnectionString;
    private readonly string _readerConnectionString;
    private SqliteConnection? _writer;

    public SqliteEngine(StoreOptions options)
    {
        _options = options;
        var directory = Path.GetDirectoryName(Path.GetFullPath(options.Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _writerConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = (int)options.BusyTimeout.TotalSeconds,
        }.ToString();
        // Readers never write, so they skip the per-open foreign-key pragma.
        _readerConnectionString = new SqliteConnectionStringBuilder(_writerConnectionString) { ForeignKeys = null }.ToString();
    }

    public StoreDialect Dialect => StoreDialect.Sqlite;

    public async Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_readerConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, TransactionFactory begin, CancellationToken cancellationToken)
    {
        var item = new WriteItem<T>(write, cancellationToken);
        _pending.Enqueue(item);
        try
        {
            await _writeGate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            item.TryCancel();
            return await item.Task;
        }

        try
        {
            while (!item.Task.IsCompleted)
            {
                await RunBatchAsync(begin);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        return await item.Task;
    }

    private async Task RunBatchAsync(TransactionFactory begin)
    {
        var batch = new List<IWriteItem>();
        while (batch.Count < MaxBatch && _pending.TryDequeue(out var next))
        {
            if (next.TryStart())
            {
                batch.Add(next);
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        var done = new List<(IWriteItem Item, StoreTransaction Tx)>(batch.Count);
        ApplianceStore.InsideWrite.Value = true;
        try
        {
            var connection = await GetWriterAsync(CancellationToken.None);
            await using var transaction = connection.BeginTransaction(deferred: false);
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                var tx = begin(connection, transaction, item.CancellationToken);
                transaction.Save("write");
                try
                {
                    await item.RunAsync(tx);
                    transaction.Release("write");
                    done.Add((item, tx));
                }
                catch (Exception ex)
                {
                    try
                    {
                        transaction.Rollback("write");
                        transaction.Release("write");
                        item.Fail(ex);
                    }
                    catch (Exception broken) when (broken is SqliteException or InvalidOperationException)
                    {
                        // The failure ended the whole transaction: nothing in this batch committed.
                        item.Fail(ex);
                        FailAll(done.Select(d => d.Item).Concat(batch.Skip(i + 1)), broken);
                        return;
                    }
                }
            }

            try
            {
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                await RollBackQuietlyAsync(transaction);
                FailAll(done.Select(d => d.Item), ex);
                return;
            }
        }
        catch (Exception ex)
        {
            FailAll(batch.Where(b => !b.Task.IsCompleted), ex);
            return;
        }
        finally
        {
            ApplianceStore.InsideWrite.Value = false;
        }

        foreach (var (item, tx) in done)
        {
            tx.RunAfterCommit();
            item.Complete();
        }
    }

    private static void FailAll(IEnumerable<IWriteItem> items, Exception ex)
    {
        foreach (var item in items)
        {
            item.Fail(ex);
        }
    }

    private static async Task RollBackQuietlyAsync(SqliteTransaction transaction)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
        catch (SqliteException)
        {
            // The connection already rolled back (for example after SQLITE_FULL); nothing more to undo.
        }
    }

    /// <summary>
    /// Copies the WAL into the database file and truncates the WAL to nothing (<c>wal_checkpoint(TRUNCATE)</c>),
    /// so page images from before an erasure are gone from the files. Returns false when a reader kept the
    /// checkpoint from finishing; the next checkpoint completes it.
    /// </summary>
    public async Task<bool> CheckpointAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var connection = await GetWriterAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            await using var result = await command.ExecuteReaderAsync(cancellationToken);
            return await result.ReadAsync(cancellationToken) && result.GetInt32(0) == 0;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<SqliteConnection> GetWriterAsync(CancellationToken cancellationToken)
    {
        if (_writer is { State: System.Data.ConnectionState.Open })
        {
            return _writer;
        }

        _writer?.Dispose();
        var connection = new SqliteConnection(_writerConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = {_options.Synchronous};
                PRAGMA busy_timeout = {(int)_options.BusyTimeout.TotalMilliseconds};
                PRAGMA secure_delete = ON;
                """;
            await pragma.ExecuteNonQueryAsync(cancellationToken);
        }

        _writer = connection;
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await _writeGate.WaitAsync();
        try
        {
            if (_writer is not null)
            {
                await _writer.DisposeAsync();
                _writer = null;
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
