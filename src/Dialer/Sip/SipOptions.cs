using System.Globalization;
using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>Settings of the <c>Dialer:Sip</c> section. <see cref="Password"/> is never logged or echoed.</summary>
public sealed class SipOptions
{
    public const string Section = "Dialer:Sip";

    /// <summary><c>host:port</c> of the trunk or PBX that calls go to (port 5060 when left out).</summary>
    public string Trunk { get; set; } = "";

    /// <summary>
    /// <c>udp</c>, <c>tcp</c> or <c>tls</c>. Over tcp and tls one connection to the trunk carries every call; over udp
    /// a request larger than 1,300 bytes still goes over TCP when the trunk accepts a TCP connection.
    /// </summary>
    public string Transport { get; set; } = "udp";

    /// <summary>PEM file of the CAs trusted for the trunk's TLS certificate (the system store when unset).</summary>
    public string? TlsCaFile { get; set; }

    /// <summary>SHA-256 fingerprint of the one certificate the trunk may present (hex, colons allowed).</summary>
    public string? TlsFingerprint { get; set; }

    /// <summary>Accept any TLS certificate (no protection against an impostor); <c>doctor</c> warns while it is on.</summary>
    public bool TlsAcceptAnyCertificate { get; set; }

    /// <summary>
    /// PEM certificate (chain) the appliance shows to TLS connections the trunk opens to <see cref="LocalPort"/>;
    /// with <see cref="TlsKeyFile"/>. Unset: over tls only the connections the appliance opens carry SIP.
    /// </summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>
    /// SRTP (RFC 3711, keys by SDES RFC 4568): <c>off</c>; <c>optional</c> (offer keys on RTP/AVP, fall back to RTP
    /// when the callee answers without); <c>required</c> (offer RTP/SAVP, refuse a callee without keys: <c>no_common_codec</c>).
    /// </summary>
    public string Srtp { get; set; } = "off";

    public SrtpMode SrtpMode => Srtp.Trim().ToLowerInvariant() switch
    {
        "optional" => SrtpMode.Optional,
        "required" => SrtpMode.Required,
        _ => SrtpMode.Off,
    };

    /// <summary>An idle TCP/TLS connection to the trunk is pinged (CRLF, RFC 5626) after this long.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Digest user name; defaults to <see cref="FromUser"/>.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>From user when a call has no caller number, and the Contact user.</summary>
    public string FromUser { get; set; } = "cualify";

    /// <summary>Domain of From and P-Asserted-Identity; defaults to the trunk host.</summary>
    public string? FromDomain { get; set; }

    /// <summary>Address the SIP and RTP sockets bind to.</summary>
    public string LocalAddress { get; set; } = "0.0.0.0";

    /// <summary>Address announced in Via, Contact and SDP (behind NAT, the public one); found from the route to the trunk when unset.</summary>
    public string? PublicAddress { get; set; }

    public int LocalPort { get; set; } = 5060;

    /// <summary>RTP port range, <c>first-last</c>: a call holds an even port and the one after it (RTCP) from its INVITE until its BYE leaves, so half the range is the calls that can be in flight at once.</summary>
    public string RtpPorts { get; set; } = "10000-20000";

    /// <summary>Audio codecs to offer, in order of preference: <c>PCMU</c>, <c>PCMA</c>.</summary>
    public string Codecs { get; set; } = "PCMU,PCMA";

    /// <summary><c>host:port</c> every request is sent through, with a loose <c>Route</c> (unset: straight to the trunk).</summary>
    public string? OutboundProxy { get; set; }

    /// <summary>Caller ID in <c>P-Asserted-Identity</c> as well as in From.</summary>
    public bool SendPAssertedIdentity { get; set; } = true;

    /// <summary>Register with <see cref="Registrar"/> (the trunk when unset) and keep the registration fresh.</summary>
    public bool Register { get; set; }

    public string? Registrar { get; set; }

    /// <summary>How often the registration is renewed; it is requested for twice as long.</summary>
    public TimeSpan RegistrarRefresh { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long an answered call stays up after the prompt, listening for a key, before hanging up.</summary>
    public TimeSpan DigitWait { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>An answered call with no RTP or RTCP from the callee for this long is hung up (<c>media_timeout</c>).</summary>
    public TimeSpan MediaTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>RFC 3261 T1 (the round-trip estimate all retransmission timers derive from).</summary>
    public TimeSpan T1 { get; set; } = TimeSpan.FromMilliseconds(500);

    public string UserAgent { get; set; } = "Cualify-Appliance";

    public (string Host, int Port) TrunkEndpoint => ParseHostPort(Trunk, DefaultPort)!.Value;

    public SipTransportKind TransportKind => Cached(ref _transportKind, Transport, static transport => transport.Trim().ToLowerInvariant() switch
    {
        "tcp" => SipTransportKind.Tcp,
        "tls" => SipTransportKind.Tls,
        _ => SipTransportKind.Udp,
    });

    /// <summary>5061 over TLS (RFC 3261 §19.1.2), else 5060.</summary>
    public int DefaultPort => TransportKind == SipTransportKind.Tls ? 5061 : 5060;

    public string AuthUser => string.IsNullOrWhiteSpace(Username) ? FromUser : Username;

    public string EffectiveFromDomain => string.IsNullOrWhiteSpace(FromDomain) ? TrunkEndpoint.Host : FromDomain;

    public (int First, int Last) RtpPortRange => ParseRange(RtpPorts)!.Value;

    public IReadOnlyList<AudioCodec> CodecList => Cached(ref _codecList, Codecs, static codecs =>
        codecs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(c => AudioCodec.FromName(c)!).Distinct().ToList().AsReadOnly());

    private Parsed<SipTransportKind>? _transportKind;
    private Parsed<IReadOnlyList<AudioCodec>>? _codecList;

    private sealed record Parsed<T>(string Source, T Value);

    /// <summary>
    /// A setting derived from <paramref name="source"/>, parsed again only when the source string changes: every call
    /// reads these several times, and binding may still set the source after the options are made.
    /// </summary>
    private static T Cached<T>(ref Parsed<T>? cache, string source, Func<string, T> parse)
    {
        var current = Volatile.Read(ref cache);
        if (current is null || !ReferenceEquals(current.Source, source))
        {
            current = new Parsed<T>(source, parse(source));
            Volatile.Write(ref cache, current);
        }

        return current.Value;
    }

    internal static (string Host, int Port)? ParseHostPort(string? value, int defaultPort = 5060)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return SipUri.TryParseHostPort(value.Trim(), out var host, out var port) ? (host, port ?? defaultPort) : null;
    }

    internal static (int First, int Last)? ParseRange(string? value)
    {
        var parts = (value ?? "").Split('-', StringSplitOptions.TrimEntries);
        return parts.Length == 2 &&
               int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first) &&
               int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? (first, last)
            : null;
    }

    internal static bool IsAddress(string? value) => value is not null && IPAddress.TryParse(value, out _);
}

/// <summary>The transports of <c>Dialer:Sip:Transport</c>.</summary>
public enum SipTransportKind
{
    Udp,
    Tcp,
    Tls,
}

/// <summary>The values of <c>Dialer:Sip:Srtp</c>.</summary>
public enum SrtpMode
{
    Off,
    Optional,
    Required,
}
