using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>
/// The transaction layer (RFC 3261 §17): starts client transactions, matches responses to them (§17.1.3), matches
/// requests to server transactions (§17.2.3) so retransmissions are absorbed, and passes everything else up to the
/// <see cref="ITransactionUser"/>. It talks only to the <see cref="SipTransport"/> below it.
/// </summary>
public sealed class SipTransactionLayer : ISipMessageSink
{
    private readonly ConcurrentDictionary<string, ClientTransaction> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServerTransaction> _servers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ServerInviteTransaction> _awaitingAck = new(StringComparer.Ordinal);

    public SipTransactionLayer(SipTransport transport, TimeProvider time, SipTimers timers, ILogger logger)
    {
        Transport = transport;
        Time = time;
        Timers = timers;
        Logger = logger;
        TimerQueue = new SipTimerQueue(time, logger);
        AcceptedInvites = new AcceptedInvites(transport, time, TimerQueue, Retransmissions);
    }

    public SipTransport Transport { get; }

    public TimeProvider Time { get; }

    public SipTimers Timers { get; }

    /// <summary>The one timer every transaction and call timer of this stack is scheduled on.</summary>
    public SipTimerQueue TimerQueue { get; }

    internal ILogger Logger { get; }

    /// <summary>The core above; set once before the transport starts receiving.</summary>
    public ITransactionUser? User { get; set; }

    public int ClientTransactionCount => _clients.Count;

    /// <summary>Finished calls' INVITEs still Accepted (timer M running), kept as a table entry rather than a transaction each.</summary>
    public int AcceptedInviteCount => AcceptedInvites.Count;

    internal AcceptedInvites AcceptedInvites { get; }

    /// <summary>What was sent again and received again; read by metrics.</summary>
    public SipRetransmissions Retransmissions { get; } = new();

    public int ServerTransactionCount => _servers.Count;

    public ClientInviteTransaction SendInvite(SipRequest invite, IPEndPoint destination, IClientTransactionUser user)
    {
        var transaction = new ClientInviteTransaction(this, invite, destination, user);
        Register(transaction);
        transaction.Start();
        return transaction;
    }

    /// <summary>Starts a non-INVITE client transaction (BYE, CANCEL, REFER, OPTIONS, REGISTER…).</summary>
    public ClientNonInviteTransaction SendRequest(SipRequest request, IPEndPoint destination, IClientTransactionUser user)
    {
        if (request.Method is SipMethods.Invite or SipMethods.Ack)
        {
            throw new ArgumentException($"{request.Method} does not go through a non-INVITE transaction.", nameof(request));
        }

        var transaction = new ClientNonInviteTransaction(this, request, destination, user);
        Register(transaction);
        transaction.Start();
        return transaction;
    }

    /// <summary>Sends an ACK for a 2xx, which belongs to no transaction (RFC 3261 §13.2.2.4). Throws <see cref="SipTransportException"/>.</summary>
    public void SendAck(ReadOnlySpan<byte> ack, IPEndPoint destination) => Transport.Send(ack, destination);

    public void OnResponse(SipResponse response, IPEndPoint remote)
    {
        if (response.TopVia?.Branch is { } branch)
        {
            var key = ClientTransaction.KeyOf(branch, response.CSeq.Method);
            if (_clients.TryGetValue(key, out var transaction))
            {
                transaction.OnResponse(response);
                return;
            }

            if (AcceptedInvites.TryAbsorb(key, response))
            {
                return;
            }
        }

        User?.OnStrayResponse(response, remote);
    }

    public void OnRequest(SipRequest request, IPEndPoint remote)
    {
        var key = ServerKey(request);
        if (request.Method == SipMethods.Ack)
        {
            if (_servers.TryGetValue(key, out var invite))
            {
                invite.OnAck();
                return;
            }

            if (_awaitingAck.TryRemove(AckKey(request), out var accepted))
            {
                accepted.OnAck();
            }

            User?.OnAck(request, remote);
            return;
        }

        if (_servers.TryGetValue(key, out var existing))
        {
            Retransmissions.RequestReceived();
            existing.OnRetransmission();
            return;
        }

        ServerTransaction transaction = request.Method == SipMethods.Invite
            ? new ServerInviteTransaction(this, request, remote, key)
            : new ServerNonInviteTransaction(this, request, remote, key);
        if (!_servers.TryAdd(key, transaction))
        {
            return;
        }

        if (transaction is ServerInviteTransaction serverInvite)
        {
            _awaitingAck[AckKey(request)] = serverInvite;
        }

        if (User is null)
        {
            transaction.Respond(503, "Service Unavailable");
            return;
        }

        User.OnRequest(transaction);
    }

    internal void Forget(ClientTransaction transaction) => _clients.TryRemove(new(transaction.Key, transaction));

    internal void Forget(ServerTransaction transaction)
    {
        _servers.TryRemove(new(transaction.Key, transaction));
        if (transaction is ServerInviteTransaction invite)
        {
            _awaitingAck.TryRemove(new(AckKey(invite.Request), invite));
        }
    }

    private void Register(ClientTransaction transaction)
    {
        if (!_clients.TryAdd(transaction.Key, transaction))
        {
            throw new InvalidOperationException("A client transaction with this branch and method is already running.");
        }
    }

    /// <summary>RFC 3261 §17.2.3: branch, sent-by and method (ACK matches INVITE); RFC 2543 peers fall back to the dialog fields.</summary>
    private static string ServerKey(SipRequest request)
    {
        var via = request.TopVia!;
        var method = request.Method == SipMethods.Ack ? SipMethods.Invite : request.Method;
        var branch = via.Branch;
        if (branch is not null && branch.StartsWith(Via.MagicCookie, StringComparison.Ordinal))
        {
            return string.Join('|', branch, via.SentBy, method);
        }

        return string.Join('|', request.CallId, request.CSeq.Number.ToString(CultureInfo.InvariantCulture), request.From?.Tag, via.SentBy, method);
    }

    private static string AckKey(SipRequest request) =>
        request.CallId + "|" + request.CSeq.Number.ToString(CultureInfo.InvariantCulture);
}
