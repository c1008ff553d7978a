using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.Doctor;

/// <summary>Read-only, unpooled connections to a store file: doctor and backup never create or change it.</summary>
internal static class StoreFile
{
    public static async Task<SqliteConnection> OpenReadOnlyAsync(string path, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}
