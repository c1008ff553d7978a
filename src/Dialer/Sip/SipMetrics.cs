using Cualify.Appliance.Core.Metrics;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>Scrape-time SIP figures: live calls, RTP streams, ports in use, retransmissions, SRTP drops, and what the transport and its TCP/TLS connections saw.</summary>
public sealed class SipMetrics(SipStackService service) : IMetricsSource
{
    public Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        if (service.Current is not { } stack)
        {
            return Task.CompletedTask;
        }

        var ua = stack.UserAgent;
        metrics.ScrapeGauge("cualify_sip_calls_active", "SIP calls in progress").Set(ua.ActiveCalls);
        metrics.ScrapeGauge("cualify_sip_rtp_streams", "RTP streams being paced").Set(ua.Media.Clock.StreamCount);
        metrics.ScrapeGauge("cualify_sip_rtp_ports_in_use", "RTP ports held by calls").Set(ua.Media.Ports.InUse);
        metrics.ScrapeGauge("cualify_sip_transactions", "SIP transactions alive", "side")
            .Set(ua.Transactions.ClientTransactionCount + ua.Transactions.AcceptedInviteCount, "client");
        metrics.Gauge("cualify_sip_transactions", "SIP transactions alive", "side").Set(ua.Transactions.ServerTransactionCount, "server");
        var retransmissions = ua.Transactions.Retransmissions;
        var again = metrics.Counter("cualify_sip_retransmissions_total",
            "SIP messages sent again for want of an answer or ACK (sent) and repeats from the peer absorbed (received), by direction and kind",
            "direction", "message");
        again.SetTotal(retransmissions.RequestsSent, "sent", "request");
        again.SetTotal(retransmissions.ResponsesSent, "sent", "response");
        again.SetTotal(retransmissions.RequestsReceived, "received", "request");
        again.SetTotal(retransmissions.ResponsesReceived, "received", "response");
        var media = ua.MediaReports;
        var rtcp = metrics.Counter("cualify_sip_rtcp_packets_total", "RTCP packets of ended calls: our sender reports (sent) and the callees' reports (received)", "direction");
        rtcp.SetTotal(media.RtcpSent, "sent");
        rtcp.SetTotal(media.RtcpReceived, "received");
        metrics.Counter("cualify_sip_rtcp_reported_calls_total", "Ended calls whose callee reported on our audio over RTCP").SetTotal(media.CallsReported);
        metrics.Counter("cualify_sip_rtcp_reported_lost_packets_total", "Our RTP packets the callees reported lost (their last report of each call)").SetTotal(media.LostPackets);
        metrics.Counter("cualify_sip_rtcp_reported_jitter_ms_total", "Sum of the jitter the callees last reported, ms; divided by cualify_sip_rtcp_reported_calls_total it is the mean").SetTotal(media.JitterMsSum);
        metrics.Counter("cualify_sip_media_timeouts_total", "Answered calls hung up because the callee sent no RTP or RTCP for Dialer:Sip:MediaTimeout").SetTotal(media.MediaTimeouts);
        var srtp = metrics.Counter("cualify_sip_srtp_dropped_total", "Callee SRTP/SRTCP packets of ended calls dropped, by reason", "reason");
        srtp.SetTotal(media.SrtpAuthFailures, "auth_failed");
        srtp.SetTotal(media.SrtpReplays, "replay");
        if (stack.Transport.Streams is { } streams)
        {
            metrics.ScrapeGauge("cualify_sip_connections_open", "TCP/TLS connections the SIP transport holds").Set(streams.OpenCount);
            var connections = metrics.Counter("cualify_sip_connection_events_total", "TCP/TLS connection events of the SIP transport", "event");
            connections.SetTotal(streams.Counters.Connects, "connected");
            connections.SetTotal(streams.Counters.Accepted, "accepted");
            connections.SetTotal(streams.Counters.ConnectFailures, "connect_failed");
            connections.SetTotal(streams.Counters.TlsFailures, "tls_failed");
            connections.SetTotal(streams.Counters.Closes, "closed");
            connections.SetTotal(streams.Counters.PingsSent, "keepalive_ping");
            connections.SetTotal(streams.Counters.KeepAliveTimeouts, "keepalive_timeout");
        }

        var counters = stack.Transport.Counters;
        var datagrams = metrics.ScrapeGauge("cualify_sip_datagrams_total", "SIP datagrams by what became of them", "kind");
        datagrams.Set(counters.Received, "received");
        datagrams.Set(counters.Malformed, "malformed_dropped");
        datagrams.Set(counters.KeepAlives, "keepalive");
        datagrams.Set(counters.HandlerFailures, "handler_failed");
        datagrams.Set(counters.Sent, "sent");
        datagrams.Set(counters.SendFailures, "send_failed");
        return Task.CompletedTask;
    }
}
