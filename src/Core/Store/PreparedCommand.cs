using System.Data.Common;

namespace Cualify.Appliance.Core.Store;

/// <summary>
/// One statement prepared once inside a write and run for many rows (an import batch), so SQLite parses it
/// once instead of once per row. Values are bound by parameter name; timestamps are stored as <see cref="UtcTimestamp"/>.
/// </summary>
public sealed class PreparedCommand : IDisposable
{
    private readonly DbCommand _command;

    public PreparedCommand(StoreTransaction tx, string sql, params string[] parameterNames)
    {
        _command = tx.Connection.CreateCommand();
        _command.Transaction = tx.Transaction;
        _command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            var parameter = _command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = DBNull.Value;
            _command.Parameters.Add(parameter);
        }

        // Npgsql infers each parameter's type from its first value; a prepared statement would pin it.
        if (!tx.Dialect.IsPostgres)
        {
            _command.Prepare();
        }
    }

    public PreparedCommand Set(string name, object? value)
    {
        _command.Parameters[name].Value = StoreValue(value);
        return this;
    }

    /// <summary>What a value is stored as on either provider: timestamps as UTC text, flags as 0/1.</summary>
    public static object StoreValue(object? value) => value switch
    {
        null => DBNull.Value,
        DateTimeOffset time => UtcTimestamp.Format(time),
        bool flag => flag ? 1L : 0L,
        _ => value,
    };

    public int Execute() => _command.ExecuteNonQuery();

    public object? Scalar() => _command.ExecuteScalar();

    public void Dispose() => _command.Dispose();
}
