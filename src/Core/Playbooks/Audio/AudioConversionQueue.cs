using System.Collections.Concurrent;

namespace Cualify.Appliance.Core.Playbooks.Audio;

/// <summary>
/// Runs audio conversions (uploads, synthesised speech) on dedicated worker threads instead of request threads, one at a
/// time per org: an org that sends ten large uploads at once waits for its own, and takes at most one worker from
/// everyone else. The caller awaits its result; a caller that gives up before its turn never starts its work.
/// </summary>
public sealed class AudioConversionQueue : IDisposable
{
    private readonly BlockingCollection<Action> _work = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _orgTurns = new(StringComparer.Ordinal);
    private readonly Thread[] _workers;

    public AudioConversionQueue()
        : this(Math.Max(1, Environment.ProcessorCount / 2))
    {
    }

    public AudioConversionQueue(int workers)
    {
        _workers = new Thread[workers];
        for (var i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"audio-conversion-{i + 1}" };
            _workers[i].Start();
        }
    }

    public async Task<T> RunAsync<T>(string orgId, Func<T> convert, CancellationToken cancellationToken)
    {
        var turn = _orgTurns.GetOrAdd(orgId, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken);
        try
        {
            var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            _work.Add(() =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    result.TrySetCanceled(cancellationToken);
                    return;
                }

                try
                {
                    result.TrySetResult(convert());
                }
                catch (Exception exception)
                {
                    result.TrySetException(exception);
                }
            }, CancellationToken.None);

            // Waited for even when the caller gives up, so the org's turn is only handed on once its work has stopped.
            return await result.Task;
        }
        finally
        {
            turn.Release();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _work.Dispose();
    }

    private void Work()
    {
        foreach (var job in _work.GetConsumingEnumerable())
        {
            job();
        }
    }
}
