using Cualify.Appliance.Core.Calls;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Live;

/// <summary>What every live call shares: the store's lifecycle, the clock, the log, and a runner for timer work.</summary>
internal sealed class LiveCallContext(CallLifecycle lifecycle, TimeProvider time, ILogger logger, string providerName, Action<string, Func<Task>> run)
{
    public CallLifecycle Lifecycle { get; } = lifecycle;

    public TimeProvider Time { get; } = time;

    public ILogger Logger { get; } = logger;

    public string ProviderName { get; } = providerName;

    /// <summary>Runs timer-driven work for a call as a tracked task whose failure is logged.</summary>
    public void Run(string callId, Func<Task> work) => run(callId, work);
}
