using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>Sees each frame a <see cref="PromptPlayer"/> sends, and the frames it had to skip (a recording keeps both in time).</summary>
public interface ISentAudioTap
{
    void Sent(ReadOnlySpan<byte> frame, AudioCodec codec);

    void Skipped(int samples);
}
