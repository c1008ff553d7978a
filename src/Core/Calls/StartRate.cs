namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// A calls-per-second limit over the start times of recent calls. At one call per second or more the window is
/// one second and holds ⌊rate⌋ starts; below that the window is 1/rate seconds and holds one start. Either way no
/// window of that length ever sees more starts than the limit allows.
/// </summary>
public sealed class StartRate
{
    private readonly List<DateTimeOffset> _starts;

    public StartRate(double perSecond, IEnumerable<DateTimeOffset> recentStarts)
    {
        Window = perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond);
        Capacity = Math.Max(1, (int)Math.Floor(perSecond * Window.TotalSeconds + 1e-9));
        _starts = recentStarts.Order().ToList();
    }

    public TimeSpan Window { get; }

    public int Capacity { get; }

    /// <summary>How far back start times matter for a limit of <paramref name="perSecond"/>.</summary>
    public static TimeSpan WindowFor(double perSecond) => perSecond >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / perSecond);

    public bool HasRoom(DateTimeOffset now) => InWindow(now) < Capacity;

    /// <summary>When the next start will fit, if there is no room now.</summary>
    public DateTimeOffset NextRoom(DateTimeOffset now)
    {
        var inWindow = _starts.Where(s => s > now - Window).ToList();
        return inWindow.Count < Capacity ? now : inWindow[inWindow.Count - Capacity] + Window;
    }

    public void Record(DateTimeOffset start) => _starts.Add(start);

    private int InWindow(DateTimeOffset now)
    {
        var since = now - Window;
        var count = 0;
        for (var i = _starts.Count - 1; i >= 0 && _starts[i] > since; i--)
        {
            count++;
        }

        return count;
    }
}
