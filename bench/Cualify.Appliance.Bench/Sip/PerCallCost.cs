using System.Diagnostics;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>
/// What one step of calls cost this process, per call: CPU time (user + kernel, every thread), bytes allocated,
/// thread-pool work items run and lock contentions. All but the CPU time hardly depend on how busy the machine is,
/// so an A/B on a shared box still compares the code. The GC figures (collections by generation, pause time, and
/// what the last collection kept) show whether finished calls are let go.
/// </summary>
public readonly record struct PerCallCost(TimeSpan Cpu, long Allocated, long WorkItems, long Contentions, int Gen0, int Gen1, int Gen2, TimeSpan GcPause)
{
    public static PerCallCost Start() => Now();

    public string Stop(int calls)
    {
        var now = Now();
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        return $"{(now.Cpu - Cpu).TotalMilliseconds / calls:0.00} ms CPU/call, {(now.Allocated - Allocated) / 1024.0 / calls:0.0} KB/call, " +
               $"{(double)(now.WorkItems - WorkItems) / calls:0.0} work items/call, {(double)(now.Contentions - Contentions) / calls:0.00} lock contentions/call, " +
               $"GCs gen0 {now.Gen0 - Gen0} gen1 {now.Gen1 - Gen1} gen2 {now.Gen2 - Gen2}, GC paused {(now.GcPause - GcPause).TotalMilliseconds:0} ms, heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576} MB, " +
               $"last GC (gen{last.Generation}) promoted {last.PromotedBytes / 1048576.0:0.0} MB, gen0/1/2 after {Mb(last, 0)}/{Mb(last, 1)}/{Mb(last, 2)} MB";
    }

    private static string Mb(GCMemoryInfo info, int generation) =>
        (info.GenerationInfo[generation].SizeAfterBytes / 1048576.0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static PerCallCost Now() => new(
        Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false), ThreadPool.CompletedWorkItemCount,
        Monitor.LockContentionCount, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
}
