using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;

namespace Cualify.Appliance.Dialer.Sip.Sdp;

/// <summary>
/// One SDES <c>a=crypto</c> line (RFC 4568 §9.1): <c>tag suite inline:base64(key‖salt)[|lifetime][|MKI:length]</c>.
/// The key material never goes into logs: <see cref="ToString"/> is the attribute value only because SDP needs it.
/// </summary>
public sealed class SdesCrypto
{
    private SdesCrypto(int tag, SrtpSuite suite, byte[] keyAndSalt)
    {
        Tag = tag;
        Suite = suite;
        KeyAndSalt = keyAndSalt;
    }

    public int Tag { get; }

    public SrtpSuite Suite { get; }

    /// <summary>The 16-byte master key followed by the 14-byte master salt.</summary>
    public byte[] KeyAndSalt { get; }

    public ReadOnlySpan<byte> MasterKey => KeyAndSalt.AsSpan(0, SrtpSuite.MasterKeyLength);

    public ReadOnlySpan<byte> MasterSalt => KeyAndSalt.AsSpan(SrtpSuite.MasterKeyLength, SrtpSuite.MasterSaltLength);

    /// <summary>A fresh random master key and salt for <paramref name="suite"/>.</summary>
    public static SdesCrypto Generate(int tag, SrtpSuite suite) =>
        new(tag, suite, RandomNumberGenerator.GetBytes(SrtpSuite.MasterKeyLength + SrtpSuite.MasterSaltLength));

    /// <summary>Reads an <c>a=crypto</c> value; false for a suite we do not support, an MKI, or malformed key material.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SdesCrypto? crypto)
    {
        crypto = null;
        var parts = (value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tag) ||
            SrtpSuite.FromName(parts[1]) is not { } suite || !parts[2].StartsWith("inline:", StringComparison.Ordinal))
        {
            return false;
        }

        var keyParameters = parts[2]["inline:".Length..].Split('|');
        // An MKI (a third field, or a second one with a colon) would add bytes to every packet; we offer none.
        if (keyParameters.Length > 2 || keyParameters.Skip(1).Any(p => p.Contains(':', StringComparison.Ordinal)))
        {
            return false;
        }

        var material = new byte[SrtpSuite.MasterKeyLength + SrtpSuite.MasterSaltLength];
        if (!Convert.TryFromBase64String(keyParameters[0], material, out var written) || written != material.Length)
        {
            return false;
        }

        crypto = new SdesCrypto(tag, suite, material);
        return true;
    }

    /// <summary>The <c>a=crypto</c> lines of a media section we can use, in their order.</summary>
    public static IReadOnlyList<SdesCrypto> In(MediaDescription media) =>
        media.Attributes.Where(a => a.Name == "crypto").Select(a => TryParse(a.Value, out var c) ? c : null).OfType<SdesCrypto>().ToList();

    /// <summary>The same key and suite under the peer's tag: how an answer agrees one of the peer's offered lines (RFC 4568 §7.1.2).</summary>
    public SdesCrypto WithTag(int tag) => tag == Tag ? this : new SdesCrypto(tag, Suite, KeyAndSalt);

    /// <summary>Whether <paramref name="other"/> keys the same SRTP context: same suite, master key and salt.</summary>
    public bool SameKeyAs(SdesCrypto other) => Suite == other.Suite && KeyAndSalt.AsSpan().SequenceEqual(other.KeyAndSalt);

    public SdpAttribute ToAttribute() =>
        new("crypto", string.Create(CultureInfo.InvariantCulture, $"{Tag} {Suite.Name} inline:{Convert.ToBase64String(KeyAndSalt)}"));

    public override string ToString() => $"{Tag} {Suite.Name} inline:…";
}
