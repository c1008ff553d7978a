using Cualify.Appliance.Core.Secrets;
using Npgsql;

namespace Cualify.Appliance.Core.Store.Postgres;

/// <summary>Builds the Npgsql data source from <c>Store:ConnectionString</c>, opening a sealed password (or a sealed whole string).</summary>
public static class PostgresConnection
{
    public const string Setting = "Store:ConnectionString";

    public static NpgsqlConnectionStringBuilder Builder(StoreOptions options, SecretProtector secrets)
    {
        var builder = new NpgsqlConnectionStringBuilder(SealedSetting.Open(secrets, options.ConnectionString, Setting));
        builder.Password = SealedSetting.Open(secrets, builder.Password, Setting + " (Password)");
        builder.ApplicationName ??= "cualify-appliance";
        return builder;
    }

    public static NpgsqlDataSource CreateDataSource(StoreOptions options, SecretProtector secrets) =>
        new NpgsqlDataSourceBuilder(Builder(options, secrets).ConnectionString).Build();

    /// <summary>Host, port and database of the connection string, never its password.</summary>
    public static string Describe(StoreOptions options)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            return $"postgres://{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            return "postgres (sealed connection string)";
        }
    }
}
