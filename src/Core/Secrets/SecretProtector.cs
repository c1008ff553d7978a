using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Secrets;

/// <summary>
/// Encrypts secrets kept in the store (webhook secrets, provider and connector credentials) with AES-256-GCM
/// under a key kept outside the database file, so a copied database or backup leaks none of them.
/// Stored form: <c>v1:&lt;base64 nonce|ciphertext|tag&gt;</c>.
/// </summary>
public sealed class SecretProtector
{
    private const string Version = "v1:";
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public SecretProtector(IOptions<StoreOptions> options)
    {
        _key = LoadOrCreateKey(options.Value);
    }

    public SecretProtector(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("The secret key must be 32 bytes", nameof(key));
        }

        _key = key;
    }

    public string Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length), sealedBytes.AsSpan(NonceSize + plain.Length));
        return Version + Convert.ToBase64String(sealedBytes);
    }

    /// <exception cref="CryptographicException">The value was sealed under another key or was altered.</exception>
    public string Unprotect(string stored)
    {
        if (!stored.StartsWith(Version, StringComparison.Ordinal))
        {
            throw new CryptographicException("The stored secret is not in a known format");
        }

        var sealedBytes = Convert.FromBase64String(stored[Version.Length..]);
        var cipherLength = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[cipherLength];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, cipherLength), sealedBytes.AsSpan(NonceSize + cipherLength), plain);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>
    /// A 32-byte key for one purpose, derived from the install's secret key (HKDF-SHA-256), so keyed digests in
    /// the store cannot be recomputed from a copy of the database alone.
    /// </summary>
    public byte[] DeriveKey(string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _key, 32, info: Encoding.UTF8.GetBytes(purpose));

    /// <summary>Where the key file is: <c>Store:SecretKeyFile</c>, else <c>secrets.key</c> beside the store.</summary>
    public static string KeyFilePath(StoreOptions options) =>
        string.IsNullOrWhiteSpace(options.SecretKeyFile)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.Path)) ?? ".", "secrets.key")
            : options.SecretKeyFile;

    private static byte[] LoadOrCreateKey(StoreOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.SecretKey))
        {
            var given = Convert.FromBase64String(options.SecretKey);
            return given.Length == 32 ? given : throw new InvalidOperationException("Store:SecretKey must be 32 bytes in base64");
        }

        var path = KeyFilePath(options);
        if (File.Exists(path))
        {
            var existing = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return existing.Length == 32 ? existing : throw new InvalidOperationException($"Store:SecretKeyFile {path} does not hold a 32-byte base64 key");
        }

        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(path, fileOptions)))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        return key;
    }
}
