using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// One statement prepared once inside a write and run for many rows (an import batch), so SQLite parses it
/// once instead of once per row. Values are bound by parameter name; timestamps are stored as <see cref="UtcTimestamp"/>.
/// </summary>
public sealed class PreparedCommand : IDisposable
{
    private readonly SqliteCommand _command;

    public PreparedCommand(StoreTransaction tx, string sql, params string[] parameterNames)
    {
        _command = tx.Connection.CreateCommand();
        _command.Transaction = tx.Transaction;
        _command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            _command.Parameters.Add(new SqliteParameter(name, DBNull.Value));
        }

        _command.Prepare();
    }

    public PreparedCommand Set(string name, object? value)
    {
        _command.Parameters[name].Value = value switch
        {
            null => DBNull.Value,
            DateTimeOffset time => UtcTimestamp.Format(time),
            _ => value,
        };
        return this;
    }

    public int Execute() => _command.ExecuteNonQuery();

    public object? Scalar() => _command.ExecuteScalar();

    public void Dispose() => _command.Dispose();
}
