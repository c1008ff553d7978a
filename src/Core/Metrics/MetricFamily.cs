using System.Collections.Concurrent;

namespace Cualify.Appliance.Core.Metrics;

/// <summary>One named metric with its labelled series, kept in memory and written in Prometheus text format.</summary>
public class MetricFamily
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    internal MetricFamily(string name, string type, string help, string[] labelNames)
    {
        Name = name;
        Type = type;
        Help = help;
        LabelNames = labelNames;
    }

    public string Name { get; }

    public string Type { get; }

    public string Help { get; }

    public IReadOnlyList<string> LabelNames { get; }

    internal IEnumerable<Series> AllSeries => _series.Values;

    private protected Series For(string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Count)
        {
            throw new ArgumentException($"{Name} takes {LabelNames.Count} label values");
        }

        return _series.GetOrAdd(string.Join('\u001f', labelValues), _ => new Series(labelValues));
    }

    /// <summary>Removes every series; scrape-time gauges rebuild theirs on each scrape.</summary>
    internal void Clear() => _series.Clear();

    internal sealed class Series(string[] labelValues)
    {
        private long _bits;

        public string[] LabelValues { get; } = labelValues;

        public double Value => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _bits));

        public void Set(double value) => Interlocked.Exchange(ref _bits, BitConverter.DoubleToInt64Bits(value));

        public void Add(double delta)
        {
            long current, updated;
            do
            {
                current = Interlocked.Read(ref _bits);
                updated = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(current) + delta);
            }
            while (Interlocked.CompareExchange(ref _bits, updated, current) != current);
        }
    }
}

public sealed class Counter : MetricFamily
{
    internal Counter(string name, string help, string[] labelNames) : base(name, "counter", help, labelNames)
    {
    }

    public void Inc(params string[] labelValues) => For(labelValues).Add(1);

    public void Add(double amount, params string[] labelValues) => For(labelValues).Add(amount);

    /// <summary>Sets a total kept elsewhere (such as the CPU time the OS counts), read at scrape time.</summary>
    public void SetTotal(double total, params string[] labelValues) => For(labelValues).Set(total);
}

public sealed class Gauge : MetricFamily
{
    internal Gauge(string name, string help, string[] labelNames) : base(name, "gauge", help, labelNames)
    {
    }

    public void Set(double value, params string[] labelValues) => For(labelValues).Set(value);

    public void Add(double delta, params string[] labelValues) => For(labelValues).Add(delta);
}
