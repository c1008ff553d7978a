using Cualify.Appliance.Core.Store;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// One statement prepared once and run for many rows inside a transaction: the relay's hot loops (fan-out
/// inserts, attempt records) write a row per delivery, and re-preparing and re-binding by name per row would
/// cost more than the rows. Parameters are given in the order the statement names them.
/// </summary>
internal sealed class SqlBatch : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly SqliteParameter[] _parameters;

    public SqlBatch(StoreTransaction tx, string sql, params string[] parameterNames)
    {
        _command = tx.Connection.CreateCommand();
        _command.Transaction = tx.Transaction;
        _command.CommandText = sql;
        _parameters = parameterNames.Select(name => _command.Parameters.Add(new SqliteParameter("@" + name, DBNull.Value))).ToArray();
        // Without an explicit Prepare, Microsoft.Data.Sqlite compiles the statement again on every execution.
        _command.Prepare();
    }

    /// <returns>Rows changed.</returns>
    public int Execute(params object?[] values)
    {
        for (var i = 0; i < _parameters.Length; i++)
        {
            _parameters[i].Value = values[i] switch
            {
                null => DBNull.Value,
                DateTimeOffset at => UtcTimestamp.Format(at),
                bool flag => flag ? 1 : 0,
                var value => value,
            };
        }

        return _command.ExecuteNonQuery();
    }

    public void Dispose() => _command.Dispose();
}
