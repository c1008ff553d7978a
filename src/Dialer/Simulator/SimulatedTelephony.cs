using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Simulator;

/// <summary>
/// The <c>simulator</c> provider, the default on a fresh install: no trunk, no network. The callee's behaviour is
/// chosen by the last two digits of the number (see <see cref="SimulatorNumberPlan"/>): …81 busy, …82 no answer,
/// …83 invalid number, …84 rejected, …85 trunk error, …86 presses 1 (handoff), …87 presses 9 (opt-out),
/// …88 long call (never hangs up), …89 voicemail, anything else answers after 4 s of ringing and hangs up
/// 30 s later. Timings run on the injected <see cref="TimeProvider"/>; provider call ids are <c>sim_…</c>.
/// </summary>
public sealed class SimulatedTelephony(TimeProvider time, ILogger<SimulatedTelephony> logger) : ITelephonyProvider, IDisposable
{
    public const string ProviderName = "simulator";
    private readonly CancellationTokenSource _stopping = new();

    public string Name => ProviderName;

    public Task<IProviderCall> StartAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var call = new SimulatedCall(plan, progress, SimulatorNumberPlan.ScenarioOf(plan.ToE164), time, _stopping.Token);
        _ = Task.Run(async () =>
        {
            try
            {
                await call.RunAsync();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Simulated call {ProviderCallId} (call {CallId}) failed", call.ProviderCallId, plan.CallId);
            }
        }, CancellationToken.None);
        return Task.FromResult<IProviderCall>(call);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }
}
