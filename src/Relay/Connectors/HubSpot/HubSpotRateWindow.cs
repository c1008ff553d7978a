using System.Net.Http.Headers;

namespace Cualify.Appliance.Relay.Connectors.HubSpot;

/// <summary>
/// One connector's share of its HubSpot account's limits, learnt from the <c>X-HubSpot-RateLimit-*</c> headers:
/// a sliding log of our own requests over the advertised interval (at most <c>-Max</c> in any window, as HubSpot
/// counts its rolling window), a stop when <c>-Remaining</c> reaches zero, and search requests at most 4 a second.
/// Used by one batch at a time (the dispatcher runs one per connector), so it needs no lock.
/// </summary>
public sealed class HubSpotRateWindow(TimeProvider time)
{
    public const int SearchesPerSecond = 4;
    private static readonly TimeSpan Margin = TimeSpan.FromMilliseconds(50);
    private readonly Queue<DateTimeOffset> _sent = new();
    private readonly Queue<DateTimeOffset> _searches = new();
    private int? _max;
    private int? _remaining;
    private DateTimeOffset? _blockedUntil;

    public TimeSpan Interval { get; private set; } = TimeSpan.FromSeconds(10);

    public int? Remaining => _remaining;

    /// <summary>Waits until a request may go; returns whether it had to wait.</summary>
    public async Task<bool> WaitTurnAsync(bool search, CancellationToken cancellationToken)
    {
        var waited = false;
        while (true)
        {
            var now = time.GetUtcNow();
            var until = Earliest(search, now);
            if (until <= now)
            {
                break;
            }

            waited = true;
            await Task.Delay(until - now, time, cancellationToken);
        }

        var at = time.GetUtcNow();
        _sent.Enqueue(at);
        if (search)
        {
            _searches.Enqueue(at);
        }

        if (_remaining is > 0)
        {
            _remaining--;
        }

        return waited;
    }

    /// <summary>Learns the limits from an answer's headers.</summary>
    public void Observe(HttpResponseHeaders headers)
    {
        if (Number(headers, "X-HubSpot-RateLimit-Interval-Milliseconds") is { } ms and > 0)
        {
            Interval = TimeSpan.FromMilliseconds(ms);
        }

        _max = Number(headers, "X-HubSpot-RateLimit-Max") ?? _max;
        if (Number(headers, "X-HubSpot-RateLimit-Remaining") is { } remaining)
        {
            _remaining = remaining;
            if (remaining <= 0)
            {
                _blockedUntil = (_sent.Count > 0 ? _sent.Peek() : time.GetUtcNow()) + Interval + Margin;
            }
        }
    }

    /// <summary>A <c>429</c> of a rolling window: nothing more until the window has passed.</summary>
    public void Exceeded(TimeSpan wait)
    {
        _blockedUntil = time.GetUtcNow() + wait;
        _remaining = 0;
    }

    private DateTimeOffset Earliest(bool search, DateTimeOffset now)
    {
        while (_sent.Count > 0 && _sent.Peek() + Interval + Margin <= now)
        {
            _sent.Dequeue();
        }

        while (_searches.Count > 0 && _searches.Peek() + TimeSpan.FromSeconds(1) <= now)
        {
            _searches.Dequeue();
        }

        var until = now;
        if (_blockedUntil is { } blocked && blocked > until)
        {
            until = blocked;
        }
        else
        {
            _blockedUntil = null;
        }

        if (_max is { } max && _sent.Count >= max)
        {
            var free = _sent.ElementAt(_sent.Count - max) + Interval + Margin;
            until = free > until ? free : until;
        }

        if (search && _searches.Count >= SearchesPerSecond)
        {
            var free = _searches.ElementAt(_searches.Count - SearchesPerSecond) + TimeSpan.FromSeconds(1);
            until = free > until ? free : until;
        }

        return until;
    }

    private static int? Number(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) && int.TryParse(values.FirstOrDefault(), out var n) ? n : null;
}
