using Cualify.Appliance.Core.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>
/// <c>doctor</c>'s <c>sip-trunk</c> line (registered only when <c>Dialer:Provider</c> is <c>sip</c>): one OPTIONS to the
/// trunk from a throw-away user agent on a spare port, so it works beside the running service. Any final answer
/// below 500 proves the address is right (trunks often answer a stranger's OPTIONS with 401, 403 or 405).
/// </summary>
public sealed class SipTrunkDoctorCheck(IOptions<SipOptions> options, ILoggerFactory loggers) : IDoctorCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(15);

    public string Name => "sip-trunk";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var sip = options.Value;
        var probe = await SipTrunkProbe.ProbeOnceAsync(sip, loggers, ProbeTimeout, cancellationToken);
        var (_, port) = sip.TrunkEndpoint;
        if (!probe.Reachable)
        {
            return DoctorResult.Fail(probe.Detail,
                $"check Dialer:Sip:Trunk (now {sip.Trunk}){(string.IsNullOrWhiteSpace(sip.OutboundProxy) ? "" : " and Dialer:Sip:OutboundProxy")}, " +
                $"that the trunk provider allows this machine's public address, and that the firewall lets {sip.TransportKind.ToString().ToUpperInvariant()} to port {port} and its answers through");
        }

        if (sip.TransportKind == SipTransportKind.Tls && sip.TlsAcceptAnyCertificate)
        {
            return DoctorResult.Warn(probe.Detail + "; Dialer:Sip:TlsAcceptAnyCertificate is on, so any server can pose as the trunk",
                "set Dialer:Sip:TlsCaFile or Dialer:Sip:TlsFingerprint and turn Dialer:Sip:TlsAcceptAnyCertificate off");
        }

        return probe.Status >= 500
            ? DoctorResult.Warn(probe.Detail, "the trunk is there but says it cannot serve now; ask the trunk provider, or check Dialer:Sip:Trunk names the right server")
            : DoctorResult.Ok(probe.Detail);
    }
}
