using System.Globalization;
using System.Net;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// RTCP and the media watch (RFC 3550): a sender report to the peer every <see cref="ReportInterval"/>, the peer's
/// reports read for loss and jitter (on the hang-up's timeline entry), and a hang-up (<c>media_timeout</c>) when
/// neither RTP nor RTCP has come from the callee for <c>Dialer:Sip:MediaTimeout</c>.
/// </summary>
public sealed partial class SipCall
{
    public const string MediaTimeoutReason = "media_timeout";

    /// <summary>RFC 3550 §6.2: five seconds is the minimum report interval.</summary>
    public static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan MediaWatchTick = TimeSpan.FromSeconds(1);
    private RtcpSession? _rtcp;
    private long _mediaHeard = -1;
    private long _mediaHeardAt;
    private long _lastReportAt;
    private int _mediaTimedOut;

    /// <summary>RTCP packets the callee sent us, and our sender reports sent (tests and the bench read them).</summary>
    public (long Received, long ReportsSent) RtcpPackets => _rtcp is null ? (0, 0) : (_rtcp.PacketsReceived, _rtcp.ReportsSent);

    private void StartRtcp(NegotiatedMedia media)
    {
        _rtcp = RtcpSession.TryOpen(_ua.Media.Ports.BindAddress, _rtp!.LocalPort, _rtp.Ssrc, _rtp.Ssrc.ToString("x8", CultureInfo.InvariantCulture) + "@cualify");
        if (_rtcp is null)
        {
            _logger.LogInformation("Call {CallId}: RTCP port {Port} is taken; the call goes on without RTCP", _plan.CallId, _rtp.LocalPort + 1);
        }
        else
        {
            _rtcp.Remote = media.Remote is { } remote ? new IPEndPoint(remote.Address, remote.Port + 1) : null;
            _rtcp.Protection = _srtpSender;
            _rtcp.Verification = _srtpReceiver;
            _rtcp.Start();
        }

        _mediaHeardAt = _lastReportAt = _ua.Time.GetTimestamp();
        SipTimer? watch = null;
        watch = NewTimer(() =>
        {
            // Checked on every tick: a tick already under way when the call was released must not re-arm it.
            if (_released || _mediaReleased)
            {
                return;
            }

            watch!.Start(MediaWatchTick);
            OnMediaWatch();
        });
        watch.Start(MediaWatchTick);
    }

    /// <summary>On the timer: the sender report when due, and the media timeout.</summary>
    private void OnMediaWatch()
    {
        var now = _ua.Time.GetTimestamp();
        if (_rtcp is { } rtcp && _rtp is { } rtp && _ua.Time.GetElapsedTime(_lastReportAt, now) >= ReportInterval)
        {
            _lastReportAt = now;
            rtcp.SendReport(rtp, _ua.Time.GetUtcNow(), PromptPlayer.FrameBytes);
        }

        var heard = (_rtp?.PacketsReceived ?? 0) + (_rtcp?.PacketsReceived ?? 0);
        if (heard != _mediaHeard)
        {
            _mediaHeard = heard;
            _mediaHeardAt = now;
        }
        else if (_ua.Time.GetElapsedTime(_mediaHeardAt, now) >= _ua.Options.MediaTimeout && Interlocked.Exchange(ref _mediaTimedOut, 1) == 0)
        {
            Post(new MediaTimedOut());
        }
    }

    private async Task OnMediaTimeoutAsync()
    {
        if (_phase != CallPhase.Answered || _transferring)
        {
            return;
        }

        var seconds = _ua.Options.MediaTimeout.TotalSeconds;
        _logger.LogWarning("Call {CallId}: no RTP or RTCP from the callee for {Seconds} s; hanging up", _plan.CallId, seconds);
        SendBye();
        await EndAsync(new CallEnd(CallOutcome.Completed, MediaTimeoutReason, Detail: $"no RTP or RTCP from the callee for {seconds:0} s"), awaitingBye: true);
    }

    /// <summary>An answered call's end carries what the media did: packets both ways and the peer's last report on ours.</summary>
    private CallEnd WithMediaQuality(CallEnd end)
    {
        if (_media is null || _rtp is null)
        {
            return end;
        }

        var quality = new Dictionary<string, object?>
        {
            ["rtp_sent"] = _rtp.PacketsSent,
            ["rtp_received"] = _rtp.PacketsReceived,
            ["rtcp_received"] = _rtcp?.PacketsReceived ?? 0,
        };
        if (SrtpDrops() is { } srtp)
        {
            _ua.MediaReports.SrtpEnded(srtp.AuthenticationFailures, srtp.Replays);
            quality["srtp_auth_failures"] = srtp.AuthenticationFailures;
            quality["srtp_replays"] = srtp.Replays;
        }

        _ua.MediaReports.Ended(_rtcp?.ReportsSent ?? 0, _rtcp?.PacketsReceived ?? 0, _rtcp?.LastReport, end.EndReason == MediaTimeoutReason);
        if (_rtcp?.LastReport is { } report)
        {
            quality["fraction_lost"] = Math.Round(report.FractionLost, 4);
            quality["packets_lost"] = report.CumulativeLost;
            quality["jitter_ms"] = Math.Round(report.JitterMs, 1);
        }

        return end with { Media = quality };
    }
}
