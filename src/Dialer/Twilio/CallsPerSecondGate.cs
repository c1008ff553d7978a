using Cualify.Appliance.Core.Cluster;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// A token bucket on the injected clock: at most <c>rate</c> call creations per second, with a burst of at most
/// one second's worth (never less than one). Waiters are served one at a time, in arrival order. With a
/// <see cref="SharedRate"/> (several nodes on one PostgreSQL store) the bucket is the store's, so the nodes
/// together stay within the account's rate.
/// </summary>
public sealed class CallsPerSecondGate
{
    public const string SharedName = "twilio-calls";
    private readonly TimeProvider _time;
    private readonly SharedRate? _shared;
    private readonly double _rate;
    private readonly double _capacity;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private double _tokens;
    private long _refilledAt;

    public CallsPerSecondGate(double callsPerSecond, TimeProvider time, SharedRate? shared = null)
    {
        if (double.IsNaN(callsPerSecond) || callsPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(callsPerSecond), "The rate must be above 0");
        }

        _time = time;
        _shared = shared;
        _rate = callsPerSecond;
        _capacity = Math.Max(1, Math.Floor(callsPerSecond));
        _tokens = _capacity;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>Waits until one more call may be created now.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            while (_shared is not null)
            {
                var due = await _shared.TryTakeAsync(SharedName, _rate, _capacity, cancellationToken);
                if (due <= TimeSpan.Zero)
                {
                    return;
                }

                await Task.Delay(due < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : due, _time, cancellationToken);
            }

            while (true)
            {
                Refill();
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }

                var wait = TimeSpan.FromSeconds((1 - _tokens) / _rate);
                await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _time, cancellationToken);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_refilledAt, now);
        _refilledAt = now;
        _tokens = Math.Min(_capacity, _tokens + elapsed.TotalSeconds * _rate);
    }
}
