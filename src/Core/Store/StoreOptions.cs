using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Store;

/// <summary>Settings of the <c>Store</c> section.</summary>
public sealed class StoreOptions
{
    public const string Section = "Store";

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
}
