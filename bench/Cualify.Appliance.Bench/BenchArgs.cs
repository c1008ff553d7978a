using System.Globalization;

namespace Cualify.Appliance.Bench;

/// <summary><c>--name value</c> options with defaults, for the bench entry points.</summary>
public sealed class BenchArgs(string[] args)
{
    public string Get(string name, string fallback)
    {
        var index = Array.IndexOf(args, "--" + name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    /// <summary>A bare <c>--name</c> switch.</summary>
    public bool Flag(string name) => Array.IndexOf(args, "--" + name) >= 0;

    public int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    public double Double(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
}
