using System.Diagnostics;
using Cualify.Appliance.Core.Metrics;

namespace Cualify.Appliance.Hosting;

/// <summary>The process and the build, read at scrape time: build info, uptime, CPU, memory, open files.</summary>
public sealed class ProcessMetrics(TimeProvider time) : IMetricsSource
{
    private static readonly DateTimeOffset StartedAt = Process.GetCurrentProcess().StartTime.ToUniversalTime();

    public Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        metrics.Gauge("cualify_build_info", "Always 1; the labels say which build is running", "version", "commit", "runtime", "rid")
            .Set(1, BuildInfo.Version, BuildInfo.Commit, BuildInfo.Runtime, BuildInfo.RuntimeIdentifier);
        metrics.Gauge("cualify_uptime_seconds", "Seconds since the process started").Set(Math.Max(0, (time.GetUtcNow() - StartedAt).TotalSeconds));
        metrics.Gauge("process_start_time_seconds", "Start time of the process, in seconds since the Unix epoch").Set(StartedAt.ToUnixTimeMilliseconds() / 1000.0);

        using var process = Process.GetCurrentProcess();
        metrics.Counter("process_cpu_seconds_total", "User and system CPU time spent, in seconds").SetTotal(process.TotalProcessorTime.TotalSeconds);
        metrics.Gauge("process_resident_memory_bytes", "Resident memory size, in bytes").Set(process.WorkingSet64);
        metrics.Gauge("dotnet_gc_heap_bytes", "Bytes currently allocated on the managed heap").Set(GC.GetTotalMemory(forceFullCollection: false));
        metrics.Gauge("process_threads", "Threads of the process").Set(process.Threads.Count);
        if (OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd"))
        {
            metrics.Gauge("process_open_fds", "Open file descriptors (files, sockets)").Set(Directory.GetFileSystemEntries("/proc/self/fd").Length);
        }

        return Task.CompletedTask;
    }
}
