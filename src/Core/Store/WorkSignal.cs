namespace Cualify.Appliance.Core.Store;

/// <summary>
/// An in-process wake-up: writers call <see cref="Notify"/> after committing new work, and any number of
/// workers awaiting <see cref="Next"/> wake at once instead of waiting for their next poll.
/// Take <see cref="Next"/> before looking for work, so a notification in between is never missed.
/// </summary>
public class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    private Action? _publish;

    /// <summary>There may be new work: wakes this node's workers and, on a cluster, tells the other nodes (see <c>ClusterWakeups</c>).</summary>
    public void Notify()
    {
        Wake();
        Volatile.Read(ref _publish)?.Invoke();
    }

    /// <summary>Wakes this node's workers only: what a wake-up from another node does.</summary>
    public void Wake()
    {
        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
    }

    /// <summary>What <see cref="Notify"/> also does to tell other nodes; null for nothing (one node).</summary>
    internal void PublishWith(Action? publish) => Volatile.Write(ref _publish, publish);

    /// <summary>
    /// Waits for <paramref name="next"/> or until the clock reads <paramref name="until"/>, whichever comes first.
    /// Unlike a relative wait, a clock that moves while the timer is being set (a test's fake clock jumping
    /// ahead) cannot push the wake-up past <paramref name="until"/>.
    /// </summary>
    public static async Task WaitUntilAsync(Task next, DateTimeOffset until, TimeProvider time, CancellationToken cancellationToken)
    {
        var remaining = until - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new CancellationTokenSource();
        try
        {
            var due = Task.Delay(remaining, time, timer.Token);
            if (time.GetUtcNow() < until)
            {
                await Task.WhenAny(next, due).WaitAsync(cancellationToken);
            }
        }
        finally
        {
            timer.Cancel();
        }
    }

    /// <summary>Waits for <paramref name="next"/> or the poll interval, whichever comes first.</summary>
    public static async Task WaitAsync(Task next, TimeSpan pollInterval, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await next.WaitAsync(pollInterval, time, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }
}

/// <summary>New events are in the outbox.</summary>
public sealed class OutboxSignal : WorkSignal;
