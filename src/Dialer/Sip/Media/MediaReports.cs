namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// What the media of ended SIP calls added up to, for <c>/metrics</c>: RTCP packets each way, calls whose callee
/// reported on our audio with the loss and jitter it reported, and calls hung up for silence. Updated once per call.
/// </summary>
public sealed class MediaReports
{
    private long _rtcpSent;
    private long _rtcpReceived;
    private long _reportedCalls;
    private long _lostPackets;
    private long _jitterMicroseconds;
    private long _mediaTimeouts;
    private long _srtpAuthFailures;
    private long _srtpReplays;

    public long RtcpSent => Interlocked.Read(ref _rtcpSent);

    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    public long CallsReported => Interlocked.Read(ref _reportedCalls);

    public long LostPackets => Interlocked.Read(ref _lostPackets);

    public double JitterMsSum => Interlocked.Read(ref _jitterMicroseconds) / 1000.0;

    public long MediaTimeouts => Interlocked.Read(ref _mediaTimeouts);

    /// <summary>Callee packets SRTP dropped: their tag did not verify.</summary>
    public long SrtpAuthFailures => Interlocked.Read(ref _srtpAuthFailures);

    /// <summary>Callee packets SRTP dropped as replays.</summary>
    public long SrtpReplays => Interlocked.Read(ref _srtpReplays);

    public void SrtpEnded(long authFailures, long replays)
    {
        Interlocked.Add(ref _srtpAuthFailures, authFailures);
        Interlocked.Add(ref _srtpReplays, replays);
    }

    public void Ended(long rtcpSent, long rtcpReceived, RtcpReceptionReport? last, bool timedOut)
    {
        Interlocked.Add(ref _rtcpSent, rtcpSent);
        Interlocked.Add(ref _rtcpReceived, rtcpReceived);
        if (last is not null)
        {
            Interlocked.Increment(ref _reportedCalls);
            Interlocked.Add(ref _lostPackets, Math.Max(0, last.CumulativeLost));
            Interlocked.Add(ref _jitterMicroseconds, (long)(last.JitterMs * 1000));
        }

        if (timedOut)
        {
            Interlocked.Increment(ref _mediaTimeouts);
        }
    }
}
