using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// The do-not-contact digests of many values on one thread (an import hashes a number and an address per row),
/// the same as <see cref="DoNotContactList.Digest(ApplianceStore, string, string)"/>: one SHA-256 and one HMAC
/// context are reused instead of a native context created and freed for each of the two hashes of every value.
/// </summary>
public sealed class DoNotContactDigests(ApplianceStore store) : IDisposable
{
    private readonly IncrementalHash _unkeyed = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _keyed = store.CreateKeyedHash();

    public string Digest(string channel, string value)
    {
        _unkeyed.AppendData(Encoding.UTF8.GetBytes(DoNotContactList.Subject(channel, value)));
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        _unkeyed.GetHashAndReset(hash);
        // The keyed digest is taken over the inner digest's lower-case hex text, as DoNotContactList does.
        Span<byte> hex = stackalloc byte[SHA256.HashSizeInBytes * 2];
        Convert.TryToHexStringLower(hash, hex, out _);
        _keyed.AppendData(hex);
        _keyed.GetHashAndReset(hash);
        return Convert.ToHexStringLower(hash);
    }

    public void Dispose()
    {
        _unkeyed.Dispose();
        _keyed.Dispose();
    }
}
