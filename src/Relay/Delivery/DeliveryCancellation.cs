using System.Collections.Concurrent;

namespace Cualify.Appliance.Relay.Delivery;

/// <summary>
/// Cancels the requests in flight to an endpoint the moment it is deleted. A claim takes the endpoint's token
/// inside the claiming transaction and a deletion cancels after its own commit, so whichever commits first, a
/// request to a deleted endpoint is either never claimed or cancelled.
/// </summary>
public sealed class DeliveryCancellation
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _byWebhook = new(StringComparer.Ordinal);

    public CancellationToken TokenFor(string webhookId) => _byWebhook.GetOrAdd(webhookId, _ => new CancellationTokenSource()).Token;

    public void CancelWebhook(string webhookId)
    {
        if (_byWebhook.TryRemove(webhookId, out var source))
        {
            // Not disposed: attempts still holding the token only need to see it cancelled.
            source.Cancel();
        }
    }
}
