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

    public void Notify()
    {
        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
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
