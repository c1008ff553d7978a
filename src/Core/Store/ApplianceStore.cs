using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store.Postgres;
using Cualify.Appliance.Core.Store.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// The store, on SQLite (<see cref="SqliteEngine"/>: one writer, group commit) or PostgreSQL
/// (<see cref="PostgresEngine"/>: concurrent transactions, any number of appliances). Every write runs inside
/// <see cref="WriteAsync{T}"/> as one transaction that sees every earlier write; readers run beside it.
/// </summary>
public sealed class ApplianceStore : IAsyncDisposable
{
    internal static readonly AsyncLocal<bool> InsideWrite = new();
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly Lazy<byte[]> _digestKey;
    private readonly IStoreEngine _engine;
    private readonly TransactionFactory _begin;

    static ApplianceStore()
    {
        Dapper.DefaultTypeMap.MatchNamesWithUnderscores = true;
        UtcTimestamp.Register();
        StoredFlag.Register();
    }

    public ApplianceStore(IOptions<StoreOptions> options, TimeProvider time, SecretProtector secrets, ILoggerFactory? loggers = null)
    {
        _options = options.Value;
        _time = time;
        _digestKey = new Lazy<byte[]>(() => secrets.DeriveKey("cualify-appliance store digest v1"));
        _engine = _options.IsPostgres
            ? new PostgresEngine(PostgresConnection.CreateDataSource(_options, secrets), (loggers ?? NullLoggerFactory.Instance).CreateLogger<PostgresEngine>())
            : new SqliteEngine(_options);
        _begin = (connection, transaction, cancellationToken) =>
            new StoreTransaction(connection, transaction, _time.GetUtcNow(), cancellationToken, KeyedDigest, _engine.Dialect);
    }

    public StoreDialect Dialect => _engine.Dialect;

    public bool IsPostgres => _options.IsPostgres;

    /// <summary>
    /// HMAC-SHA-256 (lower-case hex) of <paramref name="value"/> under a key derived from the install's secret
    /// key: what the store keeps instead of a value it must recognise but never reveal (do-not-contact entries).
    /// A copy of the database without <c>secrets.key</c> cannot be searched by guessing values.
    /// </summary>
    public string KeyedDigest(string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_digestKey.Value, Encoding.UTF8.GetBytes(value)));

    /// <summary>A reusable HMAC-SHA-256 under the key of <see cref="KeyedDigest"/>, for hashing many values on one thread.</summary>
    public IncrementalHash CreateKeyedHash() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _digestKey.Value);

    /// <summary>The SQLite file; on PostgreSQL, where there is none, the data folder's default path.</summary>
    public string Path => _options.Path;

    /// <summary>What to name the store in messages: the SQLite file, or the PostgreSQL host and database (never the password).</summary>
    public string Describe() => IsPostgres ? PostgresConnection.Describe(_options) : _options.Path;

    /// <summary>Opens a pooled connection for reading; it runs beside the writer.</summary>
    public Task<DbConnection> OpenReaderAsync(CancellationToken cancellationToken = default) =>
        _engine.OpenReaderAsync(cancellationToken);

    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken = default)
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
    /// Runs <paramref name="write"/> in one transaction, as if alone: it sees every earlier write and its changes
    /// commit when it returns or roll back when it throws. After-commit actions (wake-up signals) run only once
    /// the commit is durable.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<StoreTransaction, Task<T>> write, CancellationToken cancellationToken = default)
    {
        if (InsideWrite.Value)
        {
            throw new InvalidOperationException("A store write is already running on this flow; pass its StoreTransaction instead of nesting writes.");
        }

        return _engine.WriteAsync(write, _begin, cancellationToken);
    }

    /// <summary>
    /// SQLite: copies the WAL into the database file and truncates it, so page images from before an erasure are
    /// gone from the files; false when a reader kept it from finishing. PostgreSQL: nothing to do (true).
    /// </summary>
    public Task<bool> CheckpointAsync(CancellationToken cancellationToken = default) => _engine.CheckpointAsync(cancellationToken);

    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
