using System.Runtime.InteropServices;

namespace Cualify.Appliance.Dialer.Platform;

/// <summary>How the calling thread was scheduled after <see cref="LinuxThreads.RaiseCallingThread"/>.</summary>
public enum ThreadScheduling
{
    /// <summary>Not Linux, or neither change was permitted: the thread runs as any other.</summary>
    Unchanged,

    /// <summary>Nice -10: favoured over ordinary threads, still time-shared with them.</summary>
    Favoured,

    /// <summary>SCHED_RR at the lowest real-time priority: it runs as soon as it wakes, ahead of every ordinary thread.</summary>
    RealTime,
}

/// <summary>
/// The Linux scheduling calls .NET does not expose (Thread.Priority is ignored there): the media clock asks to run
/// ahead of other threads and sleeps to its next tick in the kernel instead of through a thread-pool timer.
/// </summary>
public static partial class LinuxThreads
{
    private const int PrioProcess = 0;
    private const int SchedRoundRobin = 2;
    private const int ClockMonotonic = 1;

    public static bool Supported => OperatingSystem.IsLinux();

    /// <summary>Real-time scheduling if the process may (root or CAP_SYS_NICE), else nice -10 if it may, else nothing.</summary>
    public static ThreadScheduling RaiseCallingThread() => Supported ? Raise(gettid()) : ThreadScheduling.Unchanged;

    /// <summary>Like <see cref="RaiseCallingThread()"/>, but never beyond <paramref name="atMost"/>.</summary>
    public static ThreadScheduling RaiseCallingThread(ThreadScheduling atMost) =>
        Supported && atMost != ThreadScheduling.Unchanged ? Raise(gettid(), atMost) : ThreadScheduling.Unchanged;

    /// <summary>
    /// Gives the garbage collector's own threads <paramref name="scheduling"/> too: a collection stops every managed
    /// thread, the media clock's included, until those threads are done, so a collector waiting for a core behind
    /// ordinary work holds the clock back however the clock itself is scheduled (400 ms pauses at a load average of 60).
    /// </summary>
    public static void RaiseGarbageCollectorThreads(ThreadScheduling scheduling)
    {
        if (!Supported || scheduling == ThreadScheduling.Unchanged)
        {
            return;
        }

        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            string name;
            try
            {
                name = File.ReadAllText(Path.Combine(task, "comm")).Trim();
            }
            catch (IOException)
            {
                continue;
            }

            if (name.StartsWith(".NET Server GC", StringComparison.Ordinal) || name.StartsWith(".NET BGC", StringComparison.Ordinal))
            {
                _ = Raise(int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture), scheduling);
            }
        }
    }

    private static ThreadScheduling Raise(int threadId, ThreadScheduling atMost = ThreadScheduling.RealTime)
    {
        var lowestRealTime = new SchedParam { Priority = 1 };
        if (atMost == ThreadScheduling.RealTime && sched_setscheduler(threadId, SchedRoundRobin, in lowestRealTime) == 0)
        {
            return ThreadScheduling.RealTime;
        }

        return setpriority(PrioProcess, threadId, -10) == 0 ? ThreadScheduling.Favoured : ThreadScheduling.Unchanged;
    }

    /// <summary>Sleeps the calling thread for <paramref name="duration"/> with the kernel's timer precision (microseconds, not the millisecond of Thread.Sleep).</summary>
    public static void Sleep(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return;
        }

        var ticks = duration.Ticks;
        var request = new Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
        _ = clock_nanosleep(ClockMonotonic, 0, in request, IntPtr.Zero);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setpriority(int which, int who, int priority);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setscheduler(int pid, int policy, in SchedParam param);

    [LibraryImport("libc")]
    private static partial int clock_nanosleep(int clockId, int flags, in Timespec request, IntPtr remaining);
}
