using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Core.Store.Postgres;
using Dapper;
using Npgsql;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// Read-only sessions on the PostgreSQL store for doctor (<c>default_transaction_read_only</c>): doctor never
/// changes the database, and opens a sealed password only with a key that already exists.
/// </summary>
internal static class PostgresStore
{
    public const int MinimumServerVersion = 150000;

    public static async Task<NpgsqlConnection> OpenReadOnlyAsync(StoreOptions options, CancellationToken cancellationToken)
    {
        var builder = PostgresConnection.Builder(options, ExistingKey(options));
        builder.Options = string.Join(' ', new[] { builder.Options, "-c default_transaction_read_only=on" }.Where(o => !string.IsNullOrWhiteSpace(o)));
        builder.Pooling = false;
        builder.Timeout = 10;
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    public static async Task<bool> HasTableAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = @table",
            new { table }, cancellationToken: cancellationToken)) > 0;

    private static SecretProtector ExistingKey(StoreOptions options)
    {
        var sealedValue = options.ConnectionString?.Contains(SealedSetting.Prefix, StringComparison.Ordinal) == true;
        if (sealedValue && string.IsNullOrWhiteSpace(options.SecretKey) && !File.Exists(SecretProtector.KeyFilePath(options)))
        {
            throw new InvalidOperationException($"{PostgresConnection.Setting} is sealed, but there is no secret key at {SecretProtector.KeyFilePath(options)} to open it");
        }

        return new SecretProtector(Microsoft.Extensions.Options.Options.Create(options));
    }
}
