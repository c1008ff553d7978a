using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// One statement prepared once inside a write and run for many rows (an import batch), so SQLite parses it
/// once instead of once per row. Values are set by parameter name (text, integers and flags without boxing);
/// timestamps are stored as <see cref="UtcTimestamp"/>.
/// The statement is prepared on the transaction's connection handle and bound by position: an ADO.NET command
/// looks every parameter up by name (a UTF-8 conversion and a native call each) on every execution, which a
/// profile of a 100,000-row import put at almost as much writer time as SQLite's own work on the rows.
/// A value equal to the one a parameter already holds is not bound again (SQLite keeps bindings from one run to the
/// next): most of a batch's rows share their org, timestamps, nulls and flags.
/// On PostgreSQL, which has no such handle, the statement runs as an ordinary command with named parameters.
/// </summary>
public sealed class PreparedCommand : IDisposable
{
    private readonly sqlite3 _db = null!;
    private readonly sqlite3_stmt _statement = null!;
    private readonly Dictionary<string, int> _ordinals = new(StringComparer.Ordinal);
    private readonly string[] _names;
    private readonly int[] _positions;
    private readonly DbCommand? _portable;
    private readonly Bound[] _bound;
    private byte[] _utf8 = new byte[256];
    private int _next;

    public PreparedCommand(StoreTransaction tx, string sql, params string[] parameterNames)
    {
        _names = parameterNames;
        _positions = new int[parameterNames.Length];
        _bound = new Bound[parameterNames.Length];
        if (tx.Connection is not SqliteConnection sqlite)
        {
            _portable = tx.Connection.CreateCommand();
            _portable.Transaction = tx.Transaction;
            _portable.CommandText = sql;
            foreach (var name in parameterNames)
            {
                var parameter = _portable.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = DBNull.Value;
                _portable.Parameters.Add(parameter);
            }

            return;
        }

        _db = sqlite.Handle ?? throw new InvalidOperationException("The store's connection is not open");
        SqliteException.ThrowExceptionForRC(raw.sqlite3_prepare_v2(_db, sql, out _statement), _db);
        for (var i = 0; i < parameterNames.Length; i++)
        {
            var position = raw.sqlite3_bind_parameter_index(_statement, parameterNames[i]);
            _positions[i] = position > 0 ? position : throw new ArgumentException($"The statement has no parameter {parameterNames[i]}", nameof(parameterNames));
            _ordinals[parameterNames[i]] = i;
        }
    }

    public PreparedCommand Set(string name, string? value)
    {
        if (_portable is not null)
        {
            return Set(name, (object?)value);
        }

        var ordinal = Ordinal(name);
        ref var bound = ref _bound[ordinal];
        if (value is null ? bound.Kind == BoundKind.Null : bound.Kind == BoundKind.Text && string.Equals(bound.Text, value, StringComparison.Ordinal))
        {
            return this;
        }

        bound = default;
        Check(value is null ? raw.sqlite3_bind_null(_statement, _positions[ordinal]) : BindText(_positions[ordinal], value));
        bound = value is null ? new Bound(BoundKind.Null, null, 0) : new Bound(BoundKind.Text, value, 0);
        return this;
    }

    public PreparedCommand Set(string name, bool value) => Set(name, value ? 1L : 0L);

    public PreparedCommand Set(string name, long value)
    {
        if (_portable is not null)
        {
            return Set(name, (object?)value);
        }

        var ordinal = Ordinal(name);
        ref var bound = ref _bound[ordinal];
        if (bound.Kind == BoundKind.Integer && bound.Integer == value)
        {
            return this;
        }

        bound = default;
        Check(raw.sqlite3_bind_int64(_statement, _positions[ordinal], value));
        bound = new Bound(BoundKind.Integer, null, value);
        return this;
    }

    public PreparedCommand Set(string name, object? value)
    {
        if (_portable is not null)
        {
            _portable.Parameters[name].Value = value switch
            {
                null => DBNull.Value,
                DateTimeOffset time => UtcTimestamp.Format(time),
                bool flag => flag ? 1L : 0L,
                _ => value,
            };
            return this;
        }

        var ordinal = Ordinal(name);
        var position = _positions[ordinal];
        _bound[ordinal] = default;
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(_statement, position),
            string text => BindText(position, text),
            bool flag => raw.sqlite3_bind_int64(_statement, position, flag ? 1 : 0),
            int number => raw.sqlite3_bind_int64(_statement, position, number),
            long number => raw.sqlite3_bind_int64(_statement, position, number),
            double number => raw.sqlite3_bind_double(_statement, position, number),
            DateTimeOffset time => raw.sqlite3_bind_text(_statement, position, UtcTimestamp.Format(time)),
            byte[] blob => raw.sqlite3_bind_blob(_statement, position, blob),
            _ => throw new ArgumentException($"A {value.GetType().Name} cannot be bound to {name}", nameof(value)),
        };
        SqliteException.ThrowExceptionForRC(rc, _db);
        return this;
    }

    /// <summary>Sets text the caller already holds as UTF-8 (SQLite copies it, so the caller may reuse the bytes).</summary>
    public PreparedCommand SetUtf8(string name, ReadOnlySpan<byte> utf8)
    {
        if (_portable is not null || utf8.IsEmpty)
        {
            return Set(name, Encoding.UTF8.GetString(utf8));
        }

        var ordinal = Ordinal(name);
        _bound[ordinal] = default;
        Check(raw.sqlite3_bind_text(_statement, _positions[ordinal], utf8));
        return this;
    }

    /// <summary>
    /// The index of a parameter in the names given (its SQLite position is in <see cref="_positions"/>). Callers set a
    /// row's values in the order the parameters were named, so the name is first compared by reference with the one
    /// expected next (the same literal) before any hashing.
    /// </summary>
    private int Ordinal(string name)
    {
        var ordinal = _next < _names.Length && ReferenceEquals(_names[_next], name) ? _next : _ordinals[name];
        _next = ordinal + 1 == _names.Length ? 0 : ordinal + 1;
        return ordinal;
    }

    private void Check(int rc) => SqliteException.ThrowExceptionForRC(rc, _db);

    /// <summary>Binds text through one reused UTF-8 buffer (SQLite copies it) rather than a new array per value.</summary>
    private int BindText(int position, string text)
    {
        if (text.Length == 0)
        {
            // An empty span would reach SQLite as a null pointer, which binds NULL rather than ''.
            return raw.sqlite3_bind_text(_statement, position, text);
        }

        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (length > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        }

        var written = Encoding.UTF8.GetBytes(text, _utf8);
        return raw.sqlite3_bind_text(_statement, position, _utf8.AsSpan(0, written));
    }

    /// <summary>Runs the statement with the values set (they stay set for the next row); returns the rows it changed.</summary>
    public int Execute()
    {
        if (_portable is not null)
        {
            return _portable.ExecuteNonQuery();
        }

        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        return raw.sqlite3_changes(_db);
    }

    public void Dispose()
    {
        if (_portable is not null)
        {
            _portable.Dispose();
            return;
        }

        _statement.Dispose();
    }

    private enum BoundKind : byte
    {
        Unknown,
        Null,
        Text,
        Integer,
    }

    /// <summary>The value a parameter holds, when it was set as null, text or an integer (anything else is not compared).</summary>
    private readonly record struct Bound(BoundKind Kind, string? Text, long Integer);
}
