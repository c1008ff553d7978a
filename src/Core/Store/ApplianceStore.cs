using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// The SQLite store: WAL, foreign keys, a busy timeout, many readers and exactly one writer.
/// Every write runs inside <see cref="WriteAsync{T}"/>, which holds the write gate for one
/// <c>BEGIN IMMEDIATE</c> transaction, so rules such as "the balance never goes below zero"
/// are checked and applied without interleaving.
/// </summary>
public sealed class ApplianceStore : IAsyncDisposable
{
    private static readonly AsyncLocal<bool> InsideWrite = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private SqliteConnection? _writer;

    static ApplianceStore()
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        UtcTimestamp.Register();
    }

    public ApplianceStore(IOptions<StoreOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
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
    }

    public string ConnectionString { get; }

    public string Path => _options.Path;

    /// <summary>Opens a pooled connection for reading; WAL lets it run beside the writer.</summary>
    public async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken = default)
    {
        var connection = new SqliteConnection(ConnectionString);
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
    /// Runs <paramref name="write"/> in one immediate transaction under the write gate. The transaction
    /// commits when the delegate returns and rolls back when it throws; after-commit actions
    /// (wake-up signals) run only once the commit is durable.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, CancellationToken cancellationToken = default)
    {
        if (InsideWrite.Value)
        {
            throw new InvalidOperationException("A store write is already running on this flow; pass its StoreTransaction instead of nesting writes.");
        }

        await _writeGate.WaitAsync(cancellationToken);
        InsideWrite.Value = true;
        try
        {
            var connection = await GetWriterAsync(cancellationToken);
            await using var transaction = connection.BeginTransaction(deferred: false);
            var tx = new StoreTransaction(connection, transaction, _time.GetUtcNow(), cancellationToken);
            T result;
            try
            {
                result = await write(tx);
                await transaction.CommitAsync(CancellationToken.None);
            }
            catch
            {
                await RollBackQuietlyAsync(transaction);
                throw;
            }

            tx.RunAfterCommit();
            return result;
        }
        finally
        {
            InsideWrite.Value = false;
            _writeGate.Release();
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
