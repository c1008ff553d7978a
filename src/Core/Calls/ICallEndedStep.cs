using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// A further step of a call's end, run in the transaction that records its final status and settlement: a
/// feature that placed the call (a sequence's voice step) registers one to record the outcome together with it.
/// Runs exactly once per call, for every final status (also for calls that never rang: refused at admission,
/// canceled while queued, ended by a restart).
/// </summary>
public interface ICallEndedStep
{
    Task CallEndedAsync(StoreTransaction tx, Call ended);
}
