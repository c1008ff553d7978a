using Cualify.Appliance.Core.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>
/// <c>doctor</c>'s <c>sip-trunk</c> line: the trunk answers OPTIONS. It asks from a throw-away user agent on an
/// ephemeral port, so it runs beside the live service (which holds <c>Dialer:Sip:LocalPort</c>) and changes nothing.
/// </summary>
public sealed class SipTrunkDoctorCheck(IOptions<SipOptions> options, ILoggerFactory loggers) : IDoctorCheck
{
    /// <summary>How long the trunk has to answer; well inside <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(10);

    public string Name => "sip-trunk";

    public TimeSpan Timeout => TimeSpan.FromSeconds(20);

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var probe = await SipTrunkProbe.ProbeOnceAsync(settings, loggers, AnswerWait, cancellationToken);
        return probe.Reachable
            ? DoctorResult.Ok(probe.Detail)
            : DoctorResult.Fail(probe.Detail,
                $"check Dialer:Sip:Trunk ({settings.Trunk}) and that this machine may send UDP to it and receive the answer " +
                "(firewall, NAT: Dialer:Sip:PublicAddress)");
    }
}
