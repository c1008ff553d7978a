using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>The layer above the transport (the transactions): receives every well-formed message.</summary>
public interface ISipMessageSink
{
    void OnRequest(SipRequest request, IPEndPoint remote);

    void OnResponse(SipResponse response, IPEndPoint remote);
}
