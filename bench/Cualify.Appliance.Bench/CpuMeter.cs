using System.Diagnostics;

namespace Cualify.Appliance.Bench;

/// <summary>
/// CPU time used between two readings, by processes picked by id (this process, a child appliance) and by a
/// PostgreSQL server (its postmaster and every backend it has forked), read from <c>/proc</c>.
/// </summary>
public sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Func<IEnumerable<int>> _processes;
    private Dictionary<int, double> _start;

    private CpuMeter(Func<IEnumerable<int>> processes)
    {
        _processes = processes;
        _start = Read();
    }

    public static CpuMeter Of(params int[] processIds) => new(() => processIds);

    public static CpuMeter OfThisProcess() => Of(Environment.ProcessId);

    /// <summary>The server whose data folder is <paramref name="dataDir"/> and all its children.</summary>
    public static CpuMeter OfPostgres(string dataDir)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataDir, "postmaster.pid")).First().Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new CpuMeter(() => Children(postmaster).Append(postmaster));
    }

    /// <summary>CPU milliseconds since the meter started (or was last reset); a process gone since is not counted.</summary>
    public double ElapsedMilliseconds()
    {
        var now = Read();
        return now.Sum(p => p.Value - _start.GetValueOrDefault(p.Key));
    }

    public void Reset() => _start = Read();

    private Dictionary<int, double> Read()
    {
        var result = new Dictionary<int, double>();
        foreach (var id in _processes())
        {
            if (CpuMilliseconds(id) is { } ms)
            {
                result[id] = ms;
            }
        }

        return result;
    }

    private static IEnumerable<int> Children(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var id) && Stat(id) is { } fields && fields[1] == parent.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                yield return id;
            }
        }
    }

    private static double? CpuMilliseconds(int id)
    {
        if (id == Environment.ProcessId)
        {
            return Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
        }

        // After "comm)": state, ppid, … utime is field 14 and stime 15 of /proc/<id>/stat (1-based).
        return Stat(id) is { } fields ? (double.Parse(fields[11]) + double.Parse(fields[12])) * 1000 / TicksPerSecond : null;
    }

    /// <summary>The fields of /proc/id/stat after the command name: [0] state, [1] ppid, …</summary>
    private static string[]? Stat(int id)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{id}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
