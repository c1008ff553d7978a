using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Where a <see cref="PromptPlayer"/> takes its frames once its prompt has played, instead of sending silence: a voice
/// agent's audio. <paramref name="late"/> says the frame goes out a frame interval or more behind its schedule.
/// </summary>
public interface IFrameSource
{
    void Fill(Span<byte> frame, AudioCodec codec, bool late);

    /// <summary>The player stalled and skipped <paramref name="frames"/> frames rather than burst them.</summary>
    void Skipped(long frames);
}
