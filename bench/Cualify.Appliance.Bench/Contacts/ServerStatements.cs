using Npgsql;

namespace Cualify.Appliance.Bench.Contacts;

/// <summary>
/// Statements the server ran in one database between a reset and a report, from <c>pg_stat_statements</c>
/// (loaded by <c>--pg-statements</c>; utility statements such as BEGIN, COMMIT and DISCARD count too), per operation.
/// </summary>
public sealed class ServerStatements(string databaseConnectionString)
{
    private readonly string _database = new NpgsqlConnectionStringBuilder(databaseConnectionString).Database!;

    public async Task ResetAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Statements per operation with the server's planning and execution time per operation, the most frequent first, as lines of text.</summary>
    public async Task<IReadOnlyList<string>> ReportAsync(int operations, int top = 15)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT calls, total_exec_time + total_plan_time, left(regexp_replace(query, '\s+', ' ', 'g'), 110) FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) ORDER BY calls DESC
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = _database });
        var rows = new List<(long Calls, double Milliseconds, string Query)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetDouble(1), reader.GetString(2)));
            }
        }

        var lines = new List<string>
        {
            $"server statements: {rows.Sum(r => r.Calls) / (double)operations:F2} per upsert ({operations} upserts), "
                + $"{rows.Sum(r => r.Milliseconds) / operations:F3} ms planning and executing per upsert; each: calls and ms per upsert",
        };
        lines.AddRange(rows.Take(top).Select(r => $"  {r.Calls / (double)operations,6:F2}  {r.Milliseconds / operations,7:F3} ms  {r.Query}"));
        return lines;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(databaseConnectionString) { Database = "postgres", Pooling = false };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }
}
