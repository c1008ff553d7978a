namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>
/// Band-limited resampling with a Blackman-windowed sinc kernel. Going down to telephone rate, the kernel's
/// cut-off sits just under the new Nyquist frequency so nothing above 4 kHz folds back as aliasing.
/// </summary>
public static class Resampler
{
    private const int ZeroCrossings = 12;

    public static float[] Resample(float[] input, int fromRate, int toRate)
    {
        if (fromRate == toRate || input.Length == 0)
        {
            return (float[])input.Clone();
        }

        // Cut-off in cycles per input sample: 92 % of the lower Nyquist frequency.
        var cutoff = 0.5 * Math.Min(fromRate, toRate) / fromRate * 0.92;
        var halfWidth = ZeroCrossings / (2 * cutoff);
        var outputLength = (int)((long)input.Length * toRate / fromRate);
        var output = new float[outputLength];
        var step = (double)fromRate / toRate;
        for (var n = 0; n < outputLength; n++)
        {
            var center = n * step;
            var first = Math.Max(0, (int)Math.Ceiling(center - halfWidth));
            var last = Math.Min(input.Length - 1, (int)Math.Floor(center + halfWidth));
            double sum = 0, weights = 0;
            for (var i = first; i <= last; i++)
            {
                var t = i - center;
                var weight = Sinc(2 * cutoff * t) * Blackman(t / halfWidth);
                sum += input[i] * weight;
                weights += weight;
            }

            output[n] = weights == 0 ? 0 : (float)(sum / weights);
        }

        return output;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double Blackman(double x) =>
        Math.Abs(x) >= 1 ? 0 : 0.42 + 0.5 * Math.Cos(Math.PI * x) + 0.08 * Math.Cos(2 * Math.PI * x);
}
