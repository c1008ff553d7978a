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

    /// <summary>
    /// Cancels the endpoint's requests and keeps it cancelled until <see cref="Resume"/>: an attempt claimed after a
    /// <c>410</c> but before the disable commits must not be sent either.
    /// </summary>
    public void CancelWebhook(string webhookId) =>
        // Not disposed: attempts still holding the token only need to see it cancelled.
        _byWebhook.GetOrAdd(webhookId, _ => new CancellationTokenSource()).Cancel();

    /// <summary>The endpoint was turned back on: new claims get a live token again.</summary>
    public void Resume(string webhookId)
    {
        if (_byWebhook.TryGetValue(webhookId, out var source) && source.IsCancellationRequested)
        {
            _byWebhook.TryRemove(KeyValuePair.Create(webhookId, source));
        }
    }
}
