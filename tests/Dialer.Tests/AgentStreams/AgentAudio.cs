using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Tests.Sip;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>What the tests' agent says and how its side of the audio is judged, 20 ms frame by 20 ms frame.</summary>
internal static class AgentAudio
{
    public const int FrameSamples = 160;

    /// <summary>A sine tone at 0.3 of full scale as raw µ-law, what an agent sends as <c>media</c>.</summary>
    public static byte[] ToneUlaw(int hertz, double seconds)
    {
        var pcm = new short[(int)(8000 * seconds)];
        for (var i = 0; i < pcm.Length; i++)
        {
            pcm[i] = (short)(0.3 * 32767 * Math.Sin(2 * Math.PI * hertz * i / 8000));
        }

        return G711.EncodeUlaw(pcm);
    }

    /// <summary>For each 20 ms frame, whether it holds sound (RMS above <see cref="HeardAudio.SoundRms"/>).</summary>
    public static bool[] LoudFrames(float[] samples) =>
        Enumerable.Range(0, samples.Length / FrameSamples)
            .Select(f => Math.Sqrt(samples.AsSpan(f * FrameSamples, FrameSamples).ToArray().Average(s => (double)s * s)) > HeardAudio.SoundRms)
            .ToArray();

    /// <summary>The longest run of silent frames between the first and the last loud one, and where the sound resumes after it, in seconds.</summary>
    public static (double Length, double ResumesAt) LongestInnerSilence(float[] samples)
    {
        var loud = LoudFrames(samples);
        var first = Array.IndexOf(loud, true);
        var last = Array.LastIndexOf(loud, true);
        int longest = 0, run = 0, resumes = 0;
        for (var i = first; i >= 0 && i <= last; i++)
        {
            run = loud[i] ? 0 : run + 1;
            if (run > longest)
            {
                longest = run;
                resumes = i + 1;
            }
        }

        return (longest * 0.02, resumes * 0.02);
    }

    /// <summary>Whether some half second of <paramref name="samples"/> is dominated by <paramref name="hertz"/> (50× the power of <paramref name="other"/>).</summary>
    public static bool HasTone(float[] samples, int hertz, int other)
    {
        for (var start = 0; start + 4000 <= samples.Length; start += 2000)
        {
            var window = samples[start..(start + 4000)];
            var power = HeardAudio.Power(window, hertz);
            if (power > 1 && power > 50 * HeardAudio.Power(window, other))
            {
                return true;
            }
        }

        return false;
    }
}
