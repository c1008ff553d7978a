namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>States of the RFC 3261 §17 machines, plus RFC 6026's <c>Accepted</c> for INVITE 2xx.</summary>
public enum TransactionState
{
    Calling,
    Trying,
    Proceeding,
    Completed,
    Accepted,
    Confirmed,
    Terminated,
}
