using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Cualify.Appliance.Core.Metrics;

/// <summary>Something that reads current values (from the store, from live calls) when <c>/metrics</c> is scraped.</summary>
public interface IMetricsSource
{
    Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken);
}

/// <summary>
/// The appliance's metrics registry: counters that features bump as things happen, and gauges that
/// <see cref="IMetricsSource"/>s fill at scrape time. Written as Prometheus text by <see cref="WriteAsync"/>.
/// </summary>
public sealed class ApplianceMetrics(IEnumerable<IMetricsSource> sources)
{
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _scrape = new(1, 1);

    public Counter Counter(string name, string help, params string[] labelNames) =>
        (Counter)_families.GetOrAdd(name, _ => new Counter(name, help, labelNames));

    public Gauge Gauge(string name, string help, params string[] labelNames) =>
        (Gauge)_families.GetOrAdd(name, _ => new Gauge(name, help, labelNames));

    /// <summary>A gauge that a source rebuilds on every scrape, so series of things that went away disappear.</summary>
    public Gauge ScrapeGauge(string name, string help, params string[] labelNames)
    {
        var gauge = Gauge(name, help, labelNames);
        gauge.Clear();
        return gauge;
    }

    public async Task<string> ScrapeAsync(CancellationToken cancellationToken)
    {
        await _scrape.WaitAsync(cancellationToken);
        try
        {
            foreach (var source in sources)
            {
                await source.CollectAsync(this, cancellationToken);
            }

            return Render();
        }
        finally
        {
            _scrape.Release();
        }
    }

    private string Render()
    {
        var text = new StringBuilder();
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var series in family.AllSeries.OrderBy(s => string.Join(',', s.LabelValues), StringComparer.Ordinal))
            {
                text.Append(family.Name);
                if (family.LabelNames.Count > 0)
                {
                    text.Append('{');
                    for (var i = 0; i < family.LabelNames.Count; i++)
                    {
                        if (i > 0)
                        {
                            text.Append(',');
                        }

                        text.Append(family.LabelNames[i]).Append("=\"").Append(Escape(series.LabelValues[i])).Append('"');
                    }

                    text.Append('}');
                }

                text.Append(' ').Append(Number(series.Value)).Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>A sample value as Prometheus reads it (Go float syntax: NaN, +Inf, -Inf).</summary>
    private static string Number(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}
