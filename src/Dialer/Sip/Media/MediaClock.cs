using Cualify.Appliance.Dialer.Platform;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>A stream the media clock paces; <see cref="Tick"/> sends what is due and returns false when it is done.</summary>
public interface IPacedStream
{
    bool Tick(long timestamp);
}

/// <summary>
/// One clock for every call's outgoing audio: every 5 ms it lets each stream send the frames that are due by
/// <see cref="TimeProvider"/> time, so thousands of calls share one timer instead of one each and the average rate
/// stays at exactly one frame per 20 ms. The tick is a quarter of a frame because the timer drifts against each
/// stream's schedule: at 10 ms a tick landing just before a frame's moment sent it a whole tick later, and a third
/// of all frames left more than 10 ms late on an idle machine (BENCHMARKS.md, recorded SIP calls).
/// </summary>
public sealed class MediaClock(TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Resolution = TimeSpan.FromMilliseconds(5);

    private readonly List<IPacedStream> _streams = [];
    private readonly Lock _gate = new();
    private IPacedStream[] _snapshot = [];

    public TimeProvider Time => time;

    /// <summary>How the clock's thread is scheduled once running (the bench reports it).</summary>
    public ThreadScheduling Scheduling { get; private set; } = ThreadScheduling.Unchanged;

    private long ResolutionTicks => (long)(Resolution.TotalSeconds * time.TimestampFrequency);

    public int StreamCount
    {
        get
        {
            lock (_gate)
            {
                return _streams.Count;
            }
        }
    }

    public void Add(IPacedStream stream)
    {
        lock (_gate)
        {
            _streams.Add(stream);
        }
    }

    /// <summary>
    /// Ticks on a thread of its own, so audio pacing does not depend on a free thread-pool thread: a busy pool would
    /// otherwise stretch the 20 ms frames. On Linux with the system clock the thread asks for real-time scheduling and
    /// sleeps in the kernel to each tick's deadline; elsewhere (and with a test's clock) it waits on a timer.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken) =>
        Task.Factory.StartNew(() => Run(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken cancellationToken)
    {
        if (LinuxThreads.Supported && time == TimeProvider.System)
        {
            RunOnDeadlines(cancellationToken);
            return;
        }

        using var timer = new PeriodicTimer(Resolution, time);
        try
        {
            while (timer.WaitForNextTickAsync(cancellationToken).AsTask().GetAwaiter().GetResult())
            {
                TickAll();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Each tick is due <see cref="Resolution"/> after the one before; a tick that ran past the next deadline is followed
    /// at once by the next, with no backlog of ticks to burst through. The thread-pool timer this replaces reached the
    /// clock through a pool thread, three hops per tick, each of which waited for a core under load.
    /// </summary>
    private void RunOnDeadlines(CancellationToken cancellationToken)
    {
        Scheduling = LinuxThreads.RaiseCallingThread();
        LinuxThreads.RaiseGarbageCollectorThreads(Scheduling);
        logger.LogInformation("Media clock scheduling: {Scheduling}", Scheduling);
        var next = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            next += ResolutionTicks;
            LinuxThreads.Sleep(time.GetElapsedTime(time.GetTimestamp(), next));
            TickAll();
            next = Math.Max(next, time.GetTimestamp() - ResolutionTicks);
        }
    }
    /// <summary>One pass over every stream (the timer's work; tests call it directly).</summary>
    public void TickAll()
    {
        int count;
        lock (_gate)
        {
            count = _streams.Count;
            if (_snapshot.Length < count)
            {
                _snapshot = new IPacedStream[Math.Max(count, _snapshot.Length * 2)];
            }

            _streams.CopyTo(_snapshot);
        }

        var now = time.GetTimestamp();
        List<IPacedStream>? finished = null;
        for (var i = 0; i < count; i++)
        {
            var stream = _snapshot[i];
            bool keep;
            try
            {
                keep = stream.Tick(now);
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "An RTP stream failed and was stopped");
                keep = false;
            }

            if (!keep)
            {
                (finished ??= []).Add(stream);
            }
        }

        Array.Clear(_snapshot, 0, count);
        if (finished is not null)
        {
            lock (_gate)
            {
                foreach (var stream in finished)
                {
                    _streams.Remove(stream);
                }
            }
        }
    }
}
