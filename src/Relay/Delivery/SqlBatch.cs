using Cualify.Appliance.Core.Store;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// One statement compiled once and run for many rows inside the caller's transaction, on the connection's
/// native handle. The relay's hot loops (fan-out inserts, attempt records) write a row per delivery; through
/// the ADO.NET layer each row would cost a reader, a name lookup per parameter and allocations, which measured
/// several times the cost of the row itself. Parameters are bound in the order given by name. On PostgreSQL,
/// which has no such handle, the same statement runs as a <see cref="PreparedCommand"/>.
/// </summary>
internal sealed class SqlBatch : IDisposable
{
    private readonly sqlite3 _db = null!;
    private readonly sqlite3_stmt _statement = null!;
    private readonly int[] _indexes = [];
    private readonly PreparedCommand? _portable;
    private readonly string[] _names;

    public SqlBatch(StoreTransaction tx, string sql, params string[] parameterNames)
    {
        _names = parameterNames;
        if (tx.Connection is not SqliteConnection sqlite)
        {
            _portable = new PreparedCommand(tx, sql, parameterNames);
            return;
        }

        _db = sqlite.Handle ?? throw new InvalidOperationException("The store connection is not open");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
        _indexes = parameterNames.Select(name => raw.sqlite3_bind_parameter_index(_statement, "@" + name) is var index and > 0
            ? index
            : throw new ArgumentException($"The statement has no parameter @{name}", nameof(parameterNames))).ToArray();
    }

    /// <returns>Rows changed.</returns>
    public int Execute(params object?[] values)
    {
        if (_portable is not null)
        {
            for (var i = 0; i < _names.Length; i++)
            {
                _portable.Set(_names[i], values[i]);
            }

            return _portable.Execute();
        }

        raw.sqlite3_reset(_statement);
        for (var i = 0; i < _indexes.Length; i++)
        {
            var index = _indexes[i];
            Check(values[i] switch
            {
                null => raw.sqlite3_bind_null(_statement, index),
                string text => raw.sqlite3_bind_text(_statement, index, text),
                int number => raw.sqlite3_bind_int64(_statement, index, number),
                long number => raw.sqlite3_bind_int64(_statement, index, number),
                bool flag => raw.sqlite3_bind_int64(_statement, index, flag ? 1 : 0),
                DateTimeOffset at => raw.sqlite3_bind_text(_statement, index, UtcTimestamp.Format(at)),
                var other => throw new ArgumentException($"Cannot bind a {other.GetType().Name}"),
            });
        }

        var rc = raw.sqlite3_step(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            Check(rc);
        }

        return raw.sqlite3_changes(_db);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK && rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
        }
    }

    public void Dispose()
    {
        if (_portable is not null)
        {
            _portable.Dispose();
            return;
        }

        raw.sqlite3_reset(_statement);
        _statement.Dispose();
    }
}
