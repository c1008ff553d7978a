using Cualify.Appliance.Dialer.AgentStreams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>
/// Runs the SIP stack for the life of the host: binds it at start (a busy port stops start-up with the reason),
/// watches its loops, and on shutdown hangs up live calls and unregisters before closing the socket.
/// </summary>
public sealed class SipStackService(IOptions<SipOptions> options, TimeProvider time, ILoggerFactory loggers, AgentStreamConnector? agents = null) : BackgroundService
{
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(5);
    private readonly TaskCompletionSource<SipStack> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The running stack; waits for start-up if a call comes before it.</summary>
    public Task<SipStack> StackAsync(CancellationToken cancellationToken) => _started.Task.WaitAsync(cancellationToken);

    /// <summary>The stack if it is running, else null.</summary>
    public SipStack? Current => _started.Task.IsCompletedSuccessfully ? _started.Task.Result : null;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _started.TrySetResult(await SipStack.StartAsync(options.Value, time, loggers, cancellationToken: cancellationToken, agents: agents));
        }
        catch (Exception exception)
        {
            _started.TrySetException(exception);
            throw;
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var stack = await _started.Task;
        await stack.Completion.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Current is { } stack)
        {
            await stack.StopAsync(ShutdownGrace);
        }

        await base.StopAsync(cancellationToken);
    }
}
