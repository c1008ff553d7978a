using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// Common ground of the two client machines (RFC 3261 §17.1): the request, where it goes, its key (top Via branch
/// plus CSeq method, §17.1.3), sending, and termination. State changes happen under <see cref="Gate"/>; the user is
/// called outside it.
/// </summary>
public abstract class ClientTransaction : SipTransaction
{
    private protected ClientTransaction(SipTransactionLayer layer, SipRequest request, IPEndPoint destination, IClientTransactionUser user)
        : base(layer, KeyOf(BranchOf(request), request.CSeq.Method), TransactionState.Calling)
    {
        _request = request;
        Method = request.CSeq.Method;
        Destination = destination;
        _user = user;
        Branch = BranchOf(request);
        (RequestBytes, Reliable) = layer.Transport.Frame(request, destination);
    }

    private SipRequest? _request;

    /// <summary>The request; let go of once a final response arrived (see <see cref="LetGoOfRequest"/>).</summary>
    public SipRequest Request => _request ?? throw new InvalidOperationException($"The {Method} transaction let go of its request at its final response.");

    /// <summary>The request's method (its CSeq method), kept after the request itself is let go of.</summary>
    public string Method { get; }

    public IPEndPoint Destination { get; }

    public string Branch { get; }

    private volatile IClientTransactionUser _user;

    private protected IClientTransactionUser User => _user;

    private protected byte[] RequestBytes { get; private set; }

    /// <summary>
    /// Once a final response arrived nothing sends or reads the request again: the transaction lives on for its last
    /// timer (an Accepted INVITE 64×T1, tens of thousands at a few thousand calls a second) without it or its bytes.
    /// </summary>
    private protected void LetGoOfRequest()
    {
        _request = null;
        RequestBytes = [];
    }

    /// <summary>Over TCP or TLS: the transport delivers, so nothing is retransmitted and nothing waits for copies (RFC 3261 §17.1).</summary>
    public bool Reliable { get; }

    internal static string KeyOf(string branch, string method) => branch + "|" + method;

    private static string BranchOf(SipRequest request) =>
        request.TopVia?.Branch ?? throw new ArgumentException("A client request needs a Via with a branch.", nameof(request));

    internal abstract void Start();

    /// <summary>
    /// Gives the transaction up without a final response (RFC 3261 §9.1: an INVITE still unanswered 64×T1 after its
    /// CANCEL is considered destroyed). Nothing more reaches the user.
    /// </summary>
    public void Abandon()
    {
        lock (Gate)
        {
            TerminateLocked();
        }
    }

    internal abstract void OnResponse(SipResponse response);

    /// <summary>
    /// Gives what is left of the transaction (responses still absorbed until its last timer) to <paramref name="user"/>:
    /// a finished call hands over to a small stand-in, so the transaction no longer keeps the whole call alive.
    /// </summary>
    public void HandOver(IClientTransactionUser user) => _user = user;

    /// <summary>Sends bytes to the destination; false (after terminating and telling the user) when the transport refused.</summary>
    private protected bool TrySend(ReadOnlySpan<byte> bytes)
    {
        try
        {
            Layer.Transport.Send(bytes, Destination, Reliable);
            return true;
        }
        catch (SipTransportException exception)
        {
            lock (Gate)
            {
                TerminateLocked();
            }

            User.OnTransportError(this, exception);
            return false;
        }
    }

    private protected override void Forget() => Layer.Forget(this);
}
