using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Store;

/// <summary>Settings of the <c>Store</c> section.</summary>
public sealed class StoreOptions : IValidatableObject
{
    public const string Section = "Store";

    /// <summary><c>sqlite</c> (one appliance, a file under the data folder) or <c>postgres</c> (any number of appliances on one database).</summary>
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Store:Provider must be sqlite or postgres")]
    public string Provider { get; set; } = StoreProvider.Sqlite;

    /// <summary>Npgsql connection string for <c>Store:Provider=postgres</c>; its password may be sealed (<c>sealed:v1:…</c>).</summary>
    public string? ConnectionString { get; set; }

    public bool IsPostgres => Provider == StoreProvider.Postgres;

    /// <summary>SQLite file; defaults to <c>&lt;data-dir&gt;/appliance.db</c>.</summary>
    [Required(ErrorMessage = "Store:Path must name the SQLite file")]
    public string Path { get; set; } = "";

    /// <summary>SQLite <c>synchronous</c> pragma: FULL survives power loss, NORMAL survives process crashes.</summary>
    [RegularExpression("^(FULL|NORMAL)$", ErrorMessage = "Store:Synchronous must be FULL or NORMAL")]
    public string Synchronous { get; set; } = "FULL";

    /// <summary>How long a connection waits for a lock before failing.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Store:BusyTimeout must be between 00:00:01 and 00:10:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>File holding the 32-byte key that encrypts secrets kept in the store; defaults to <c>&lt;data-dir&gt;/secrets.key</c>.</summary>
    public string SecretKeyFile { get; set; } = "";

    /// <summary>Base64 secret key given directly (for example through <c>CUALIFY__Store__SecretKey</c>); wins over the file.</summary>
    public string? SecretKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult("Store:ConnectionString must name the PostgreSQL database when Store:Provider is postgres", [nameof(ConnectionString)]);
        }
    }
}

public static class StoreProvider
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";
}
