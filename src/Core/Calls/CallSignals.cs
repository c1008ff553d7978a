using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Calls;

/// <summary>There may be a call to dial: one was queued, or a live one ended and freed capacity or credits.</summary>
public sealed class DialSignal : WorkSignal;

/// <summary>A request to end a live call, raised after the change that asked for it has committed.</summary>
public sealed record HangupRequest(string CallId, string Reason);

/// <summary>
/// How Core asks the dialer to end live calls (a cancel through the API, an erased callee) without talking to
/// the worker directly: the request is recorded in the store, then announced here once committed.
/// </summary>
public sealed class CallHangups
{
    public event Action<HangupRequest>? Requested;

    /// <summary>Announces <paramref name="request"/> once <paramref name="tx"/> has committed.</summary>
    public void RequestAfterCommit(StoreTransaction tx, HangupRequest request) => tx.AfterCommit(() => Requested?.Invoke(request));
}
