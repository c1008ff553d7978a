using Cualify.Appliance.Core.Metrics;

namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>Voice-agent streams: how many are live, how many agents could not be reached, and frames played and late.</summary>
public sealed class AgentStreamMetrics : IMetricsSource
{
    private long _live;
    private long _connectFailures;
    private long _framesPlayed;
    private long _framesLate;
    private long _framesToAgent;

    public long Live => Interlocked.Read(ref _live);

    public long ConnectFailures => Interlocked.Read(ref _connectFailures);

    public long FramesPlayed => Interlocked.Read(ref _framesPlayed);

    public long FramesLate => Interlocked.Read(ref _framesLate);

    public long FramesToAgent => Interlocked.Read(ref _framesToAgent);

    internal void StreamOpened() => Interlocked.Increment(ref _live);

    internal void StreamClosed() => Interlocked.Decrement(ref _live);

    internal void ConnectFailed() => Interlocked.Increment(ref _connectFailures);

    internal void FramePlayed(bool late)
    {
        Interlocked.Increment(ref _framesPlayed);
        if (late)
        {
            Interlocked.Increment(ref _framesLate);
        }
    }

    internal void FrameToAgent() => Interlocked.Increment(ref _framesToAgent);

    internal void FramesSkipped(long frames) => Interlocked.Add(ref _framesLate, frames);

    public Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        metrics.ScrapeGauge("cualify_agent_streams_live", "Calls bridged to a voice agent's media stream right now").Set(Live);
        metrics.Counter("cualify_agent_stream_connect_failures_total", "Voice agents that could not be reached within 5 s (the call fell back to its message)")
            .SetTotal(ConnectFailures);
        var frames = metrics.Counter("cualify_agent_stream_frames_total", "20 ms frames bridged, by direction", "direction");
        frames.SetTotal(FramesPlayed, "to_callee");
        frames.SetTotal(FramesToAgent, "to_agent");
        metrics.Counter("cualify_agent_stream_frames_late_total", "Frames of bridged calls sent to the callee 20 ms or more behind their schedule, or skipped after a stall").SetTotal(FramesLate);
        return Task.CompletedTask;
    }
}
