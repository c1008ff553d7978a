using Cualify.Appliance.Core.Health;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary><c>/readyz</c>: the trunk answers OPTIONS (and, when registering, the registration holds).</summary>
public sealed class SipTrunkReadiness(SipStackService service) : IReadinessCheck
{
    public string Name => "sip_trunk";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        if (service.Current is not { } stack)
        {
            return ReadinessResult.Failed("the SIP user agent is not running");
        }

        var probe = await SipTrunkProbe.ProbeAsync(stack.UserAgent, cancellationToken);
        if (!probe.Reachable)
        {
            return ReadinessResult.Failed(probe.Detail);
        }

        if (stack.Registration is { RegisteredUntil: null } registration)
        {
            return ReadinessResult.Failed($"{probe.Detail}, but {registration.LastResult}");
        }

        return ReadinessResult.Ok(probe.Detail);
    }
}
