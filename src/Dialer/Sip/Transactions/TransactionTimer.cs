using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>A one-shot, re-armable timer on <see cref="TimeProvider"/> whose callback failures are logged, never thrown.</summary>
internal sealed class TransactionTimer : IDisposable
{
    private readonly ITimer _timer;
    private readonly Action _callback;
    private readonly ILogger _logger;

    public TransactionTimer(TimeProvider time, ILogger logger, Action callback)
    {
        _callback = callback;
        _logger = logger;
        _timer = time.CreateTimer(static state => ((TransactionTimer)state!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start(TimeSpan due) => _timer.Change(due, Timeout.InfiniteTimeSpan);

    public void Stop() => _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    public void Dispose() => _timer.Dispose();

    private void Fire()
    {
        try
        {
            _callback();
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "A SIP transaction timer failed");
        }
    }
}
