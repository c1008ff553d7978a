using System.Buffers.Binary;
using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>Reads and judges 8 kHz 16-bit PCM as a listener would: where the sound is, and which tone it carries.</summary>
internal static class HeardAudio
{
    public const double WindowSeconds = 0.02;

    /// <summary>RMS above this in a 20 ms window is sound (speech or a tone), below it silence or line noise.</summary>
    public const double SoundRms = 0.01;

    private const int Rate = 8000;
    private const int HeaderBytes = 44;

    public static float[] Mono(byte[] wav) =>
        Enumerable.Range(0, (wav.Length - HeaderBytes) / 2).Select(i => Sample(wav, HeaderBytes + (2 * i))).ToArray();

    public static (float[] First, float[] Second) Channels(byte[] wav)
    {
        var frames = (wav.Length - HeaderBytes) / 4;
        var first = new float[frames];
        var second = new float[frames];
        for (var i = 0; i < frames; i++)
        {
            first[i] = Sample(wav, HeaderBytes + (4 * i));
            second[i] = Sample(wav, HeaderBytes + 2 + (4 * i));
        }

        return (first, second);
    }

    /// <summary>Seconds from the first to the end of the last 20 ms window with sound in it.</summary>
    public static (double Start, double End) SoundSpan(float[] samples)
    {
        var loud = Windows(samples).Select((rms, index) => (rms, index)).Where(w => w.rms > SoundRms).Select(w => w.index).ToList();
        Assert.True(loud.Count > 0, "there is no sound at all");
        return (loud[0] * WindowSeconds, (loud[^1] + 1) * WindowSeconds);
    }

    /// <summary>The share of 20 ms windows between <paramref name="start"/> and <paramref name="end"/> (seconds) that hold sound.</summary>
    public static double SoundShare(float[] samples, double start, double end)
    {
        var windows = Windows(samples).Skip((int)(start / WindowSeconds)).Take((int)((end - start) / WindowSeconds)).ToList();
        return (double)windows.Count(rms => rms > SoundRms) / windows.Count;
    }

    public static float[] Slice(float[] samples, double from, double to) =>
        samples[(int)(Math.Max(0, from) * Rate)..(int)(Math.Min(samples.Length / (double)Rate, to) * Rate)];

    /// <summary>Power of one frequency (Goertzel).</summary>
    public static double Power(float[] samples, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / Rate);
        double previous = 0, beforePrevious = 0;
        foreach (var sample in samples)
        {
            var current = sample + (coefficient * previous) - beforePrevious;
            beforePrevious = previous;
            previous = current;
        }

        return (previous * previous) + (beforePrevious * beforePrevious) - (coefficient * previous * beforePrevious);
    }

    /// <summary>A mono WAV of a sine tone at 0.3 of full scale.</summary>
    public static byte[] Tone(int hertz, double seconds)
    {
        var wav = Silence(seconds);
        for (var i = 0; i < (wav.Length - HeaderBytes) / 2; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(HeaderBytes + (2 * i)), (short)(0.3 * 32767 * Math.Sin(2 * Math.PI * hertz * i / Rate)));
        }

        return wav;
    }

    public static byte[] Silence(double seconds)
    {
        var bytes = (int)(Rate * seconds) * 2;
        var wav = new byte[HeaderBytes + bytes];
        PcmWav.WriteHeader(wav, Rate, 1, bytes);
        return wav;
    }

    private static IEnumerable<double> Windows(float[] samples)
    {
        var size = (int)(Rate * WindowSeconds);
        for (var start = 0; start + size <= samples.Length; start += size)
        {
            yield return Math.Sqrt(samples.AsSpan(start, size).ToArray().Average(s => (double)s * s));
        }
    }

    private static float Sample(byte[] wav, int offset) => BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(offset)) / 32768f;
}
