using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>Checks <c>Dialer:Sip</c> at start-up; every message names the setting and never echoes the password.</summary>
public sealed class SipOptionsValidator : IValidateOptions<SipOptions>
{
    public ValidateOptionsResult Validate(string? name, SipOptions options)
    {
        var errors = new List<string>();
        if (SipOptions.ParseHostPort(options.Trunk) is null)
        {
            errors.Add($"Dialer:Sip:Trunk must be the trunk's host:port, e.g. sip.example.net:5060 (got '{options.Trunk}')");
        }

        if (options.Transport.Trim().ToLowerInvariant() is not ("udp" or "tcp" or "tls"))
        {
            errors.Add($"Dialer:Sip:Transport must be udp, tcp or tls (got '{options.Transport}')");
        }

        if (options.Srtp.Trim().ToLowerInvariant() is not ("off" or "optional" or "required"))
        {
            errors.Add($"Dialer:Sip:Srtp must be off, optional or required (got '{options.Srtp}')");
        }

        if (!string.IsNullOrWhiteSpace(options.TlsCaFile) && !File.Exists(options.TlsCaFile))
        {
            errors.Add($"Dialer:Sip:TlsCaFile names a file that does not exist ('{options.TlsCaFile}')");
        }

        if (string.IsNullOrWhiteSpace(options.TlsCertificateFile) != string.IsNullOrWhiteSpace(options.TlsKeyFile))
        {
            errors.Add("Dialer:Sip:TlsCertificateFile and Dialer:Sip:TlsKeyFile go together: set both or neither");
        }
        else if (!string.IsNullOrWhiteSpace(options.TlsCertificateFile))
        {
            var (certificate, certificateError) = SipTlsPolicy.LoadServerCertificate(options.TlsCertificateFile, options.TlsKeyFile!);
            certificate?.Dispose();
            if (certificateError is not null)
            {
                errors.Add($"Dialer:Sip:TlsCertificateFile: {certificateError}");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.TlsFingerprint) && SipTlsPolicy.ParseFingerprint(options.TlsFingerprint) is null)
        {
            errors.Add("Dialer:Sip:TlsFingerprint must be a SHA-256 fingerprint: 32 hex bytes, colons allowed");
        }

        if (options.KeepAliveInterval < TimeSpan.FromSeconds(5) || options.KeepAliveInterval > TimeSpan.FromHours(1))
        {
            errors.Add("Dialer:Sip:KeepAliveInterval must be between 00:00:05 and 01:00:00");
        }

        if (options.LocalPort is < 0 or > 65535)
        {
            errors.Add("Dialer:Sip:LocalPort must be between 0 and 65535");
        }

        if (!SipOptions.IsAddress(options.LocalAddress))
        {
            errors.Add($"Dialer:Sip:LocalAddress must be an IP address such as 0.0.0.0 (got '{options.LocalAddress}')");
        }

        if (!string.IsNullOrWhiteSpace(options.PublicAddress) && !SipOptions.IsAddress(options.PublicAddress))
        {
            errors.Add($"Dialer:Sip:PublicAddress must be an IP address (got '{options.PublicAddress}')");
        }

        if (SipOptions.ParseRange(options.RtpPorts) is not { } range || range.First < 1024 || range.Last > 65535 || range.Last - range.First < 1)
        {
            errors.Add($"Dialer:Sip:RtpPorts must be a range such as 10000-20000 within 1024-65535 (got '{options.RtpPorts}')");
        }

        var codecs = options.Codecs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (codecs.Length == 0 || codecs.Any(c => AudioCodec.FromName(c) is null))
        {
            errors.Add($"Dialer:Sip:Codecs must list PCMU and/or PCMA, e.g. PCMU,PCMA (got '{options.Codecs}')");
        }

        if (!string.IsNullOrWhiteSpace(options.OutboundProxy) && SipOptions.ParseHostPort(options.OutboundProxy) is null)
        {
            errors.Add($"Dialer:Sip:OutboundProxy must be host:port (got '{options.OutboundProxy}')");
        }

        if (!string.IsNullOrWhiteSpace(options.Registrar) && SipOptions.ParseHostPort(options.Registrar) is null)
        {
            errors.Add($"Dialer:Sip:Registrar must be host:port (got '{options.Registrar}')");
        }

        if (options.Register && string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Dialer:Sip:Password is required when Dialer:Sip:Register is true");
        }

        if (options.RegistrarRefresh < TimeSpan.FromSeconds(30) || options.RegistrarRefresh > TimeSpan.FromHours(12))
        {
            errors.Add("Dialer:Sip:RegistrarRefresh must be between 00:00:30 and 12:00:00");
        }

        if (options.MediaTimeout < TimeSpan.FromSeconds(5) || options.MediaTimeout > TimeSpan.FromHours(1))
        {
            errors.Add("Dialer:Sip:MediaTimeout must be between 00:00:05 and 01:00:00");
        }

        if (options.DigitWait < TimeSpan.Zero || options.DigitWait > TimeSpan.FromMinutes(5))
        {
            errors.Add("Dialer:Sip:DigitWait must be between 00:00:00 and 00:05:00");
        }

        if (options.T1 < TimeSpan.FromMilliseconds(100) || options.T1 > TimeSpan.FromSeconds(5))
        {
            errors.Add("Dialer:Sip:T1 must be between 00:00:00.100 and 00:00:05");
        }

        if (string.IsNullOrWhiteSpace(options.FromUser) || options.FromUser.Any(c => char.IsWhiteSpace(c) || c is '@' or ':' or '<' or '>'))
        {
            errors.Add("Dialer:Sip:FromUser must be a SIP user name without spaces, '@', ':' or brackets");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
