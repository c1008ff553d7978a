using Dapper;
using System.Data.Common;

namespace Cualify.Appliance.Core.Store;

/// <summary>One write transaction: its connection, its clock reading, and what to do once it commits.</summary>
public sealed class StoreTransaction
{
    private readonly List<Action> _afterCommit = [];
    private readonly Func<string, string> _keyedDigest;

    internal StoreTransaction(DbConnection connection, DbTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken, Func<string, string> keyedDigest, StoreDialect dialect)
    {
        Dialect = dialect;
        _keyedDigest = keyedDigest;
        Connection = connection;
        Transaction = transaction;
        Now = now;
        CancellationToken = cancellationToken;
    }

    public DbConnection Connection { get; }

    public DbTransaction Transaction { get; }

    public StoreDialect Dialect { get; }

    /// <summary>The time of this transaction: every row it stamps carries the same instant.</summary>
    public DateTimeOffset Now { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Whether <see cref="ExecuteLastAsync"/> already committed this transaction (on PostgreSQL).</summary>
    internal bool Committed { get; private set; }

    public void AfterCommit(Action action) => _afterCommit.Add(action);

    /// <summary>
    /// Makes the rest of this write wait for any other holding <paramref name="name"/> until it commits: on PostgreSQL a
    /// transaction-scoped advisory lock, so a rule that counts then acts (admission caps, mailbox caps) holds across
    /// every node of the database. SQLite's single writer already runs writes one at a time.
    /// </summary>
    public Task LockAsync(string name) =>
        Dialect.IsPostgres ? ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@name))", new { name }) : Task.CompletedTask;

    /// <summary>HMAC-SHA-256 (hex) of <paramref name="value"/> under a key of this install (see <see cref="ApplianceStore.KeyedDigest"/>).</summary>
    public string KeyedDigest(string value) => _keyedDigest(value);

    public Task<int> ExecuteAsync(string sql, object? param = null) =>
        Connection.ExecuteAsync(Command(sql, param));

    /// <summary>
    /// The write's last statement, after which it runs no other: on PostgreSQL the transaction's COMMIT goes in the
    /// same round trip (one round trip less per write); anything the write then tries to run here throws. On SQLite
    /// the same as <see cref="ExecuteAsync"/>.
    /// </summary>
    public async Task ExecuteLastAsync(string sql, object? param = null)
    {
        if (!Dialect.IsPostgres)
        {
            await ExecuteAsync(sql, param);
            return;
        }

        await ExecuteAsync($"{sql};\nCOMMIT", param);
        Committed = true;
    }

    public Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null) =>
        Connection.ExecuteScalarAsync<T>(Command(sql, param));

    public Task<IEnumerable<T>> QueryAsync<T>(string sql, object? param = null) =>
        Connection.QueryAsync<T>(Command(sql, param));

    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param = null) =>
        Connection.QuerySingleOrDefaultAsync<T>(Command(sql, param));

    public Task<T> QuerySingleAsync<T>(string sql, object? param = null) =>
        Connection.QuerySingleAsync<T>(Command(sql, param));

    /// <summary>Several statements in one round trip, read in order (on PostgreSQL each with its own snapshot).</summary>
    public Task<SqlMapper.GridReader> QueryMultipleAsync(string sql, object? param = null) =>
        Connection.QueryMultipleAsync(Command(sql, param));

    private CommandDefinition Command(string sql, object? param) => Committed
        ? throw new InvalidOperationException("This write already ran its last statement and committed")
        : new(sql, param, Transaction, cancellationToken: CancellationToken);

    internal void RunAfterCommit()
    {
        foreach (var action in _afterCommit)
        {
            action();
        }
    }
}
