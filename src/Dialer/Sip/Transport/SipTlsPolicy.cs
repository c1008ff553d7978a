using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>
/// Which trunk certificates a TLS connection accepts: by default one that chains to the system store and names
/// <see cref="TargetHost"/>; with a CA file, one that chains to those CAs instead (and still names the host); with a
/// SHA-256 fingerprint, only that certificate. Accepting any certificate takes an explicit setting.
/// </summary>
public sealed class SipTlsPolicy
{
    private readonly X509Certificate2Collection? _authorities;
    private readonly byte[]? _fingerprint;
    private readonly bool _acceptAny;

    public SipTlsPolicy(string targetHost, string? caFile = null, string? fingerprint = null, bool acceptAny = false, X509Certificate2? serverCertificate = null)
    {
        TargetHost = targetHost;
        ServerCertificate = serverCertificate;
        _acceptAny = acceptAny;
        if (!string.IsNullOrWhiteSpace(caFile))
        {
            _authorities = [];
            _authorities.ImportFromPemFile(caFile);
        }

        if (!string.IsNullOrWhiteSpace(fingerprint))
        {
            _fingerprint = ParseFingerprint(fingerprint) ?? throw new ArgumentException("The fingerprint is not 32 hex bytes.", nameof(fingerprint));
        }
    }

    /// <summary>The name the trunk's certificate must carry (and the SNI sent).</summary>
    public string TargetHost { get; }

    /// <summary>What the appliance shows to the TLS connections a trunk opens to it; null: it accepts none.</summary>
    public X509Certificate2? ServerCertificate { get; }

    /// <summary>The trunk that connects to us is not asked for a certificate: its requests are checked as SIP, like any request.</summary>
    public SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificate = ServerCertificate,
        ClientCertificateRequired = false,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>The certificate and key from PEM files, with its private key usable by TLS on every platform; or why not.</summary>
    public static (X509Certificate2? Certificate, string? Error) LoadServerCertificate(string certificateFile, string keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            // An ephemeral PEM key cannot be used by SChannel; a PKCS#12 round trip gives a key every platform can.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            return certificate.HasPrivateKey ? (certificate, null) : (null, "the key file holds no private key for the certificate");
        }
        catch (Exception exception) when (exception is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return (null, $"cannot be read with its key: {exception.Message}");
        }
    }

    public SslClientAuthenticationOptions ClientOptions() => new()
    {
        TargetHost = TargetHost,
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Accepts(certificate, chain, errors),
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
    };

    /// <summary>"aa:bb:…" or "aabb…" (case-insensitive) → 32 bytes, or null.</summary>
    public static byte[]? ParseFingerprint(string text)
    {
        var hex = text.Replace(":", "", StringComparison.Ordinal).Trim();
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == SHA256.HashSizeInBytes ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private bool Accepts(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_acceptAny)
        {
            return true;
        }

        if (certificate is null)
        {
            return false;
        }

        if (_fingerprint is not null)
        {
            return CryptographicOperations.FixedTimeEquals(SHA256.HashData(certificate.GetRawCertData()), _fingerprint);
        }

        if (_authorities is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
