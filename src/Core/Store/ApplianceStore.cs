using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Secrets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// The SQLite store: WAL, foreign keys, a busy timeout, many readers and exactly one writer.
/// Every write runs inside <see cref="WriteAsync{T}"/>, which holds the write gate for one
/// <c>BEGIN IMMEDIATE</c> transaction, so rules such as "the balance never goes below zero"
/// are checked and applied without interleaving. The writer runs with <c>secure_delete</c>: what a write
/// removes or replaces is overwritten with zeros, so erased data does not linger in free space.
/// </summary>
public sealed class ApplianceStore : IAsyncDisposable
{
    private static readonly AsyncLocal<bool> InsideWrite = new();
    private const int MaxBatch = 64;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentQueue<IWriteItem> _pending = new();
    private readonly StoreOptions _options;
    private readonly string _readerConnectionString;
    private readonly TimeProvider _time;
    private readonly byte[] _digestKey;
    private SqliteConnection? _writer;

    static ApplianceStore()
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        UtcTimestamp.Register();
    }

    public ApplianceStore(IOptions<StoreOptions> options, TimeProvider time, SecretProtector secrets)
    {
        _options = options.Value;
        _time = time;
        _digestKey = secrets.DeriveKey("cualify-appliance store digest v1");
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_options.Path));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            ForeignKeys = true,
            Pooling = true,
            DefaultTimeout = (int)_options.BusyTimeout.TotalSeconds,
        }.ToString();
        // Readers never write, so they skip the per-open foreign-key pragma.
        _readerConnectionString = new SqliteConnectionStringBuilder(ConnectionString) { ForeignKeys = null }.ToString();
    }


    public string ConnectionString { get; }

    /// <summary>
    /// HMAC-SHA-256 (lower-case hex) of <paramref name="value"/> under a key derived from the install's secret
    /// key: what the store keeps instead of a value it must recognise but never reveal (do-not-contact entries).
    /// A copy of the database without <c>secrets.key</c> cannot be searched by guessing values.
    /// </summary>
    public string KeyedDigest(string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_digestKey, Encoding.UTF8.GetBytes(value)));

    public string Path => _options.Path;

    /// <summary>Opens a pooled connection for reading; WAL lets it run beside the writer.</summary>
    public async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(_readerConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> read, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken);
        return await read(connection);
    }

    public Task WriteAsync(Func<StoreTransaction, Task> write, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>(async tx =>
        {
            await write(tx);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="write"/> in one immediate transaction under the write gate, as if alone: it sees
    /// every earlier write and its changes commit when it returns or roll back when it throws. After-commit
    /// actions (wake-up signals) run only once the commit is durable.
    /// </summary>
    /// <remarks>
    /// Group commit: writes that queue up while another batch commits run together in the next transaction,
    /// each inside its own savepoint, so one fsync serves many writers without changing what each one sees.
    /// </remarks>
    public async Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, CancellationToken cancellationToken = default)
    {
        if (InsideWrite.Value)
        {
            throw new InvalidOperationException("A store write is already running on this flow; pass its StoreTransaction instead of nesting writes.");
        }

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
                await RunBatchAsync();
            }
        }
        finally
        {
            _writeGate.Release();
        }

        return await item.Task;
    }

    private async Task RunBatchAsync()
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
        InsideWrite.Value = true;
        try
        {
            var connection = await GetWriterAsync(CancellationToken.None);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var now = _time.GetUtcNow();
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                var tx = new StoreTransaction(connection, transaction, now, item.CancellationToken, KeyedDigest);
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
            InsideWrite.Value = false;
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
    public async Task<bool> CheckpointAsync(CancellationToken cancellationToken = default)
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
        var connection = new SqliteConnection(ConnectionString);
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
