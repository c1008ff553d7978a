using System.Data.Common;
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

    /// <summary>
    /// The store's pool. Unless the connection string says otherwise, statements run often are prepared once per
    /// connection and kept across pool checkouts (the server then neither parses nor plans them again), and a
    /// connection coming back from the pool is not reset first (a <c>DISCARD ALL</c> before its next command, once
    /// per checkout): the store leaves no session state behind (its advisory locks are transaction-scoped, its one
    /// <c>LISTEN</c> is on a connection of its own).
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(StoreOptions options, SecretProtector secrets)
    {
        var builder = Builder(options, secrets);
        var given = new DbConnectionStringBuilder { ConnectionString = builder.ConnectionString };
        if (!Sets(given, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 100;
        }

        if (!Sets(given, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        return new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
    }

    private static bool Sets(DbConnectionStringBuilder given, params string[] keywords) => keywords.Any(given.ContainsKey);

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
