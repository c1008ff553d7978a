using Cualify.Appliance.Dialer.Sip.Media;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>
/// The most RTP ports held at once during a step, sampled every few milliseconds: a call holds its even RTP port (and
/// the RTCP port after it) from its INVITE until it is released, so the range a rate needs is that peak, not the rate.
/// </summary>
public sealed class RtpPortWatch : IAsyncDisposable
{
    private readonly RtpPortPool _ports;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _peak;

    public RtpPortWatch(RtpPortPool ports)
    {
        _ports = ports;
        _sampling = SampleAsync();
    }

    public int Peak => Volatile.Read(ref _peak);

    private async Task SampleAsync()
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
        try
        {
            while (await tick.WaitForNextTickAsync(_stop.Token))
            {
                _peak = Math.Max(_peak, _ports.InUse);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
