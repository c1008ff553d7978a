using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>
/// The runtime's allocation sampling (one event per ~100 KB allocated, naming the type that crossed the mark), added
/// up by type: where the bytes per call go. <c>bench sip cps --alloc-types</c>.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs data)
    {
        if (data.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || data.PayloadNames is not { } names)
        {
            return;
        }

        var type = data.Payload![names.IndexOf("TypeName")] as string ?? "?";
        var amount = Convert.ToInt64(data.Payload[names.IndexOf("AllocationAmount64")] ?? data.Payload[names.IndexOf("AllocationAmount")], System.Globalization.CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }

    /// <summary>The heaviest types so far, with their share of the sampled bytes, and clears the tally.</summary>
    public string Report(int top = 20)
    {
        var snapshot = _bytes.ToArray();
        _bytes.Clear();
        var total = Math.Max(1, snapshot.Sum(kv => kv.Value));
        return string.Join("\n", snapshot.OrderByDescending(kv => kv.Value).Take(top).Select(kv => $"  {kv.Value * 100.0 / total,5:0.0} %  {kv.Key}"));
    }
}
