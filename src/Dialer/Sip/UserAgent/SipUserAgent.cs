using System.Collections.Concurrent;
using System.Net;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// The user agent core above the transactions: places calls, hands in-dialog requests to their call, answers what
/// belongs to no call (OPTIONS 200, unknown dialogs 481), and sends one-off requests such as OPTIONS and REGISTER.
/// </summary>
public sealed class SipUserAgent : ITransactionUser
{
    private readonly ConcurrentDictionary<string, SipCall> _calls = new(StringComparer.Ordinal);

    public SipUserAgent(
        SipTransactionLayer transactions, LocalIdentity identity, SipOptions options, SipMedia media,
        SipResolver resolver, TimeProvider time, ILoggerFactory loggers)
    {
        Transactions = transactions;
        Identity = identity;
        Options = options;
        Media = media;
        Resolver = resolver;
        Time = time;
        Loggers = loggers;
        Logger = loggers.CreateLogger<SipUserAgent>();
        CallLogger = loggers.CreateLogger<SipCall>();
        transactions.User = this;
    }

    public SipTransactionLayer Transactions { get; }

    public LocalIdentity Identity { get; }

    public SipOptions Options { get; }

    public SipMedia Media { get; }

    public SipResolver Resolver { get; }

    public TimeProvider Time { get; }

    internal ILoggerFactory Loggers { get; }

    private ILogger Logger { get; }

    /// <summary>One logger for every call (creating one per call costs a lookup each time).</summary>
    internal ILogger CallLogger { get; }

    public int ActiveCalls => _calls.Count;

    /// <summary>The media of ended calls, added up (RTCP, reported loss and jitter, media timeouts).</summary>
    public MediaReports MediaReports { get; } = new();

    /// <summary>Places a call; see <see cref="ITelephonyProvider.StartAsync"/>.</summary>
    public async Task<SipCall> PlaceCallAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken)
    {
        var call = new SipCall(this, plan, progress);
        if (!await call.PrepareAsync(cancellationToken))
        {
            return call;
        }

        _calls[call.CallId] = call;
        call.Run();
        return call;
    }

    /// <summary>Sends a request outside any dialog and waits for its final response (null after 64×T1 or a transport error).</summary>
    public Task<SipResponse?> SendAsync(SipRequest request, IPEndPoint destination, CancellationToken cancellationToken)
    {
        var awaiter = new FinalResponseAwaiter(cancellationToken);
        Transactions.SendRequest(request, destination, awaiter);
        return awaiter.Task;
    }

    /// <summary>Hangs up every live call (shutdown) and waits up to <paramref name="grace"/> for them to end.</summary>
    public async Task HangUpAllAsync(TimeSpan grace)
    {
        var calls = _calls.Values.ToList();
        foreach (var call in calls)
        {
            await call.HangUpAsync(HangupReason.Shutdown, CancellationToken.None);
        }

        // The grace is wall-clock time on purpose: a process that is stopping must stop even under a test clock.
        await Task.WhenAny(Task.WhenAll(calls.Select(c => c.Completion)), Task.Delay(grace, TimeProvider.System));
    }

    internal void Forget(SipCall call) => _calls.TryRemove(new(call.CallId, call));

    void ITransactionUser.OnRequest(ServerTransaction transaction)
    {
        var request = transaction.Request;
        if (_calls.TryGetValue(request.CallId, out var call) && call.Accept(transaction))
        {
            return;
        }

        switch (request.Method)
        {
            case SipMethods.Options:
                var ok = SipResponses.For(request, 200, "OK", SipIds.Tag());
                ok.Headers.Add(SipHeaderNames.Allow, SipMethods.Allowed);
                ok.Headers.Add(SipHeaderNames.Accept, "application/sdp");
                ok.Headers.Add(SipHeaderNames.Server, Options.UserAgent);
                transaction.Respond(ok);
                break;
            case SipMethods.Invite when request.To?.Tag is null:
                // Outbound only: an incoming call is declined rather than left ringing.
                transaction.Respond(603, "Decline", SipIds.Tag());
                break;
            case SipMethods.Invite or SipMethods.Bye or SipMethods.Cancel or SipMethods.Notify or SipMethods.Info or SipMethods.Update or SipMethods.Refer:
                transaction.Respond(481, "Call/Transaction Does Not Exist", SipIds.Tag());
                break;
            default:
                var refused = SipResponses.For(request, 405, "Method Not Allowed", SipIds.Tag());
                refused.Headers.Add(SipHeaderNames.Allow, SipMethods.Allowed);
                transaction.Respond(refused);
                break;
        }
    }

    void ITransactionUser.OnAck(SipRequest ack, IPEndPoint remote)
    {
        // ACKs for our 2xx to re-INVITEs stop the retransmissions in the transaction layer; nothing else to do.
    }

    void ITransactionUser.OnStrayResponse(SipResponse response, IPEndPoint remote)
    {
        if (response.IsSuccess && response.CSeq.Method == SipMethods.Invite && _calls.TryGetValue(response.CallId, out var call))
        {
            call.OnLateSuccess(response);
            return;
        }

        Logger.LogDebug("Dropped a {Status} response that matched no transaction", response.StatusCode);
    }
}
