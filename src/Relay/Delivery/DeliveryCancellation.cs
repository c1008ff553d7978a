using System.Collections.Concurrent;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Cancels the requests in flight to an endpoint the moment it is deleted. A claim registers its token inside
/// the claiming transaction and a deletion cancels after its own commit, so whichever commits first, a request
/// to a deleted endpoint is either never claimed or cancelled.
/// </summary>
public sealed class DeliveryCancellation
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<CancellationTokenSource, byte>> _byWebhook = new(StringComparer.Ordinal);

    public CancellationTokenSource Register(string webhookId)
    {
        var source = new CancellationTokenSource();
        _byWebhook.GetOrAdd(webhookId, _ => new()).TryAdd(source, 0);
        return source;
    }

    public void Unregister(string webhookId, CancellationTokenSource source)
    {
        if (_byWebhook.TryGetValue(webhookId, out var sources))
        {
            sources.TryRemove(source, out _);
        }

        source.Dispose();
    }

    public void CancelWebhook(string webhookId)
    {
        if (!_byWebhook.TryGetValue(webhookId, out var sources))
        {
            return;
        }

        foreach (var source in sources.Keys)
        {
            try
            {
                source.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The request finished while we were cancelling it.
            }
        }
    }
}
