using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// The key that encrypts secrets kept in the store: present, readable only by its owner (mode 600), 32 bytes,
/// and the very key the store was sealed with. Read directly: doctor never creates a key.
/// </summary>
public sealed class SecretKeyCheck(IOptions<StoreOptions> options) : IDoctorCheck
{
    public string Name => "secret-key";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var store = options.Value;
        var canary = store.IsPostgres ? await ReadPostgresCanaryAsync(store, cancellationToken) : await ReadCanaryAsync(store.Path, cancellationToken);
        byte[] key;
        string where;
        if (!string.IsNullOrWhiteSpace(store.SecretKey))
        {
            where = "Store:SecretKey";
            if (!TryDecode(store.SecretKey, out key))
            {
                return DoctorResult.Fail("Store:SecretKey is not 32 bytes in base64", "set Store:SecretKey to the base64 key this store was created with");
            }
        }
        else
        {
            where = SecretProtector.KeyFilePath(store);
            if (!File.Exists(where))
            {
                return canary is null
                    ? DoctorResult.Warn($"no key at {where} yet", "nothing to do on a new install: it is created at the first start; afterwards keep a copy with your backups")
                    : DoctorResult.Fail($"no key at {where}, but the store holds secrets sealed with one", $"put the store's secrets.key back at {where} (from where you keep it with your backups)");
            }

            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(where) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
            {
                return DoctorResult.Fail($"{where} is readable by others (mode {Convert.ToString((int)File.GetUnixFileMode(where), 8)})", $"chmod 600 {where}");
            }

            try
            {
                if (!TryDecode(await File.ReadAllTextAsync(where, cancellationToken), out key))
                {
                    return DoctorResult.Fail($"{where} does not hold a 32-byte base64 key", $"put the store's original secrets.key back at {where}");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return DoctorResult.Fail($"cannot read {where}: {ex.Message}", $"make the service user own it: chown cualify: {where} && chmod 600 {where}");
            }
        }

        if (canary is not null && !SecretKeyCanary.Matches(new SecretProtector(key), canary))
        {
            return DoctorResult.Fail($"the key in {where} is not the one this store was created with; its stored secrets cannot be read",
                "put back the secrets.key that belongs to this store (kept with your backups); the service refuses to start until then");
        }

        return DoctorResult.Ok(canary is null ? $"{where} is private and well-formed" : $"{where} is private and opens this store's secrets");
    }

    private static bool TryDecode(string text, out byte[] key)
    {
        try
        {
            key = Convert.FromBase64String(text.Trim());
            return key.Length == 32;
        }
        catch (FormatException)
        {
            key = [];
            return false;
        }
    }

    private static async Task<string?> ReadPostgresCanaryAsync(StoreOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresStore.OpenReadOnlyAsync(options, cancellationToken);
            return await PostgresStore.HasTableAsync(connection, "secret_key_check", cancellationToken)
                ? await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT sealed FROM secret_key_check WHERE id = 1", cancellationToken: cancellationToken))
                : null;
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or InvalidOperationException)
        {
            return null; // the store line reports why the store cannot be read
        }
    }

    private static async Task<string?> ReadCanaryAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var connection = await StoreFile.OpenReadOnlyAsync(path, cancellationToken);
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'secret_key_check'", cancellationToken: cancellationToken));
            return exists == 0 ? null : await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT sealed FROM secret_key_check WHERE id = 1", cancellationToken: cancellationToken));
        }
        catch (SqliteException)
        {
            return null; // the store line reports why the store cannot be read
        }
    }
}
