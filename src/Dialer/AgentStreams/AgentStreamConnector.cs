using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>Opens the media stream of one call to its playbook's voice agent; an agent not reached in 5 s is given up.</summary>
public sealed class AgentStreamConnector(TimeProvider time, AgentStreamMetrics metrics, ILogger<AgentStream> logger)
{
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public AgentStreamMetrics Metrics => metrics;

    /// <summary>Starts connecting at once (it may connect while the disclosure plays); nothing is sent until <see cref="AgentStream.Start"/>.</summary>
    public AgentStream Open(AgentStreamPlan plan, string callId, string orgId)
    {
        var stream = new AgentStream(plan, callId, orgId, time, metrics, logger);
        stream.BeginConnect(ConnectTimeout);
        return stream;
    }
}
