using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;

namespace Cualify.Appliance.Bench.Agents;

/// <summary>
/// Marked 20 ms frames that time the bridge each way. The echoing agent sends a probe (magic + id) in place of every
/// tenth frame; the RTP echo stamps it when it arrives from the appliance, the agent again when it comes back. All
/// stamps are <see cref="Stopwatch"/> ticks in this one process.
/// </summary>
public sealed class ProbeFrames
{
    public const int FrameBytes = 160;
    private static readonly byte[] Magic = [0x11, 0x22, 0x33, 0x44];
    private readonly ConcurrentDictionary<long, long> _sentByAgent = new();
    private readonly ConcurrentDictionary<long, long> _echoedOnRtp = new();
    private long _next;

    public volatile bool Measuring;

    public Latencies AgentToRtp { get; private set; } = new();

    public Latencies RtpToAgent { get; private set; } = new();

    /// <summary>Starts the next step's samples afresh.</summary>
    public void Reset()
    {
        AgentToRtp = new Latencies();
        RtpToAgent = new Latencies();
        _sentByAgent.Clear();
        _echoedOnRtp.Clear();
    }

    public byte[] NewProbe()
    {
        var frame = new byte[FrameBytes];
        frame.AsSpan().Fill(0x7E);
        Magic.CopyTo(frame, 0);
        var id = Interlocked.Increment(ref _next);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(4), id);
        if (Measuring)
        {
            _sentByAgent[id] = Stopwatch.GetTimestamp();
        }

        return frame;
    }

    /// <summary>The RTP echo saw <paramref name="payload"/> leave the appliance.</summary>
    public void OnRtp(ReadOnlySpan<byte> payload)
    {
        if (Id(payload) is { } id && _sentByAgent.TryGetValue(id, out var sent))
        {
            var now = Stopwatch.GetTimestamp();
            _echoedOnRtp[id] = now;
            AgentToRtp.Add(Stopwatch.GetElapsedTime(sent, now).TotalMilliseconds);
        }
    }

    /// <summary>The agent got <paramref name="payload"/> back from the appliance.</summary>
    public void OnAgent(ReadOnlySpan<byte> payload)
    {
        if (Id(payload) is { } id && _echoedOnRtp.TryRemove(id, out var echoed))
        {
            RtpToAgent.Add(Stopwatch.GetElapsedTime(echoed).TotalMilliseconds);
            _sentByAgent.TryRemove(id, out _);
        }
    }

    private static long? Id(ReadOnlySpan<byte> payload) =>
        payload.Length >= 12 && payload[..4].SequenceEqual(Magic) ? BinaryPrimitives.ReadInt64LittleEndian(payload[4..]) : null;
}
