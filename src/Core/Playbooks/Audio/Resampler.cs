namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>
/// Band-limited resampling in two stages, so the work per input sample stays small and fixed whatever the input rate:
/// while the rate is at least four times the target, a short half-band filter halves it (about 8 multiply-adds per
/// input sample); the last step, at most a factor of four, uses a windowed-sinc kernel read from a precomputed table
/// (no trigonometry per tap). Going down to telephone rate, the cut-off sits at 92 % of the new Nyquist frequency so
/// nothing above it folds back as aliasing.
/// </summary>
public static class Resampler
{
    private const int ZeroCrossings = 12;
    private const int TablePointsPerSample = 64;
    private const double PassFraction = 0.92;

    // Half-band low-pass (cut-off a quarter of the rate, Blackman window, 31 taps). Halving only happens from at least
    // four times the target rate, so the band kept (under 0.115 of the rate) passes flat and everything that could
    // fold onto it (above 0.385) is stopped.
    private static readonly float[] HalfBand = BuildHalfBand(15);

    public static float[] Resample(float[] input, int fromRate, int toRate)
    {
        if (fromRate == toRate || input.Length == 0)
        {
            return (float[])input.Clone();
        }

        var outputLength = (int)((long)input.Length * toRate / fromRate);
        var samples = input;
        double rate = fromRate;
        while (rate >= 4.0 * toRate)
        {
            samples = Halve(samples);
            rate /= 2;
        }

        return rate == toRate ? samples : WindowedSinc(samples, rate, toRate, outputLength);
    }

    private static float[] Halve(float[] input)
    {
        var reach = HalfBand.Length / 2;
        var output = new float[input.Length / 2];
        for (var n = 0; n < output.Length; n++)
        {
            var center = 2 * n;
            double sum = input[center] * HalfBand[reach];
            // Only odd offsets have non-zero half-band taps.
            for (var k = 1; k <= reach; k += 2)
            {
                var before = center - k;
                var after = center + k;
                var pair = (before >= 0 ? input[before] : 0f) + (after < input.Length ? input[after] : 0f);
                sum += pair * HalfBand[reach + k];
            }

            output[n] = (float)sum;
        }

        return output;
    }

    private static float[] WindowedSinc(float[] input, double fromRate, int toRate, int outputLength)
    {
        // Cut-off in cycles per input sample.
        var cutoff = 0.5 * Math.Min(fromRate, toRate) / fromRate * PassFraction;
        var halfWidth = ZeroCrossings / (2 * cutoff);
        var table = KernelTable(cutoff, halfWidth);
        var output = new float[outputLength];
        var step = fromRate / toRate;
        for (var n = 0; n < outputLength; n++)
        {
            var center = n * step;
            var first = Math.Max(0, (int)Math.Ceiling(center - halfWidth));
            var last = Math.Min(input.Length - 1, (int)Math.Floor(center + halfWidth));
            double sum = 0, weights = 0;
            for (var i = first; i <= last; i++)
            {
                var position = (Math.Abs(i - center)) * TablePointsPerSample;
                var index = (int)position;
                var weight = index + 1 < table.Length
                    ? table[index] + ((table[index + 1] - table[index]) * (position - index))
                    : 0;
                sum += input[i] * weight;
                weights += weight;
            }

            output[n] = weights == 0 ? 0 : (float)(sum / weights);
        }

        return output;
    }

    /// <summary>The symmetric kernel sampled from 0 to its half width, <see cref="TablePointsPerSample"/> points per input sample.</summary>
    private static double[] KernelTable(double cutoff, double halfWidth)
    {
        var table = new double[(int)Math.Ceiling(halfWidth * TablePointsPerSample) + 2];
        for (var i = 0; i < table.Length; i++)
        {
            var t = (double)i / TablePointsPerSample;
            table[i] = Sinc(2 * cutoff * t) * Blackman(t / halfWidth);
        }

        return table;
    }

    private static float[] BuildHalfBand(int reach)
    {
        var taps = new float[(2 * reach) + 1];
        double total = 0;
        for (var k = -reach; k <= reach; k++)
        {
            var value = k % 2 == 0 && k != 0 ? 0 : 0.5 * Sinc(k / 2.0) * Blackman((double)k / (reach + 1));
            taps[k + reach] = (float)value;
            total += value;
        }

        for (var i = 0; i < taps.Length; i++)
        {
            taps[i] = (float)(taps[i] / total);
        }

        return taps;
    }

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double Blackman(double x) =>
        Math.Abs(x) >= 1 ? 0 : 0.42 + (0.5 * Math.Cos(Math.PI * x)) + (0.08 * Math.Cos(2 * Math.PI * x));
}
