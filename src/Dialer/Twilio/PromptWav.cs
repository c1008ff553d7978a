using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>The playbook's prompt (8 kHz mono G.711 µ-law, raw) as a 16-bit PCM WAV file, the form every &lt;Play&gt; client accepts.</summary>
public static class PromptWav
{
    public const int SampleRate = PromptConverter.TelephoneRate;
    public const string ContentType = PcmWav.ContentType;

    public static byte[] FromUlaw(ReadOnlySpan<byte> ulaw) => PcmWav.FromUlaw(ulaw);
}
