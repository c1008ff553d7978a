using System.Net;
using System.Threading.Channels;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Sip.Transport;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// One outgoing call (the UAC call flow of RFC 3261 §13, §15, with CANCEL §9 and REFER RFC 3515). It is an actor:
/// transactions, timers, the RTP receiver and the dialer post events into its inbox and one loop handles them in
/// order, so the call's state needs no locks. Reports to <see cref="ICallProgress"/>, ending with exactly one
/// <see cref="ICallProgress.EndedAsync"/>.
/// </summary>
public sealed partial class SipCall : IProviderCall, IClientTransactionUser
{
    private readonly SipUserAgent _ua;
    private readonly CallPlan _plan;
    private readonly ICallProgress _progress;
    private readonly ILogger _logger;
    private readonly Channel<SipCallInput> _inbox = Channel.CreateUnbounded<SipCallInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<SipTimer> _timers = [];
    private Task _completion = Task.CompletedTask;
    private CallPhase _phase = CallPhase.Starting;
    private bool _endReported;
    private volatile bool _released;

    private enum CallPhase
    {
        Starting,
        Inviting,
        Canceling,
        Answered,

        /// <summary>Our BYE is out; the end is reported, the loop waits for the BYE's answer.</summary>
        Ending,
        Ended,
    }

    internal SipCall(SipUserAgent ua, CallPlan plan, ICallProgress progress)
    {
        _ua = ua;
        _plan = plan;
        _progress = progress;
        _logger = ua.CallLogger;
        CallId = SipIds.CallId(ua.Identity.Host);
    }

    /// <summary>The SIP Call-ID.</summary>
    public string CallId { get; }

    public string ProviderCallId => CallId;

    /// <summary>Completes when the call's loop has finished (ended and its last transaction answered).</summary>
    public Task Completion => _completion;

    /// <summary>RTP packets sent and received so far (for tests and metrics).</summary>
    public (long Sent, long Received) RtpPackets => _rtp is null ? (0, 0) : (_rtp.PacketsSent, _rtp.PacketsReceived);

    /// <summary>Audio frames paced out so far, and how many of them left more than 10 ms after their due moment.</summary>
    public (long Sent, long Late) PacedFrames => _player is null ? (0, 0) : (_player.FramesSent, _player.FramesLate);

    /// <summary>
    /// Queues the hang-up and returns: the call's loop acts on it in order (CANCEL while ringing, BYE once answered)
    /// and reports the end. It never waits for the loop, so a dialer may call it from inside a progress callback.
    /// </summary>
    public Task HangUpAsync(HangupReason reason, CancellationToken cancellationToken)
    {
        _inbox.Writer.TryWrite(new HangUpRequested(reason));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Queues a blind transfer (REFER) and returns without waiting, like <see cref="HangUpAsync"/>. How it goes is
    /// reported: the call ends <c>handoff</c> when the target answers, or <c>handoff_failed</c> (after a
    /// <c>handoff_failed</c> timeline entry) when it is refused. A call that is not answered ignores it.
    /// </summary>
    public Task TransferAsync(string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        _inbox.Writer.TryWrite(new TransferRequested(target));
        return Task.CompletedTask;
    }

    internal void Run()
    {
        Post(new CallStart());
        _completion = RunAsync();
    }

    /// <summary>Takes an in-dialog request from the user agent; false when it is not for this call.</summary>
    internal bool Accept(ServerTransaction transaction) => Post(new RequestReceived(transaction));

    internal void OnLateSuccess(SipResponse response)
    {
        if (!TryResendAck(response))
        {
            Post(new LateSuccess(response));
        }
    }

    void IClientTransactionUser.OnResponse(ClientTransaction transaction, SipResponse response)
    {
        if (transaction is ClientInviteTransaction && response.IsSuccess)
        {
            // 2xx are ACKed right here on the receive thread, so a busy call loop never makes the callee retransmit
            // its 2xx; retransmissions are re-ACKed even after the loop has finished (RFC 3261 §13.2.2.4).
            if (TryResendAck(response))
            {
                return;
            }

            // The answer is queued before its ACK leaves: whoever reacts to the ACK (a hang-up asked for at that
            // moment) then reaches the loop after the answer, so the call ends as answered, not as canceled.
            if (transaction == _inviteTransaction && AckOnArrival(response) is { } acked)
            {
                Post(new ResponseReceived(transaction, response, acked));
                SendAckOnArrival(acked);
                return;
            }
        }

        Post(new ResponseReceived(transaction, response));
    }

    void IClientTransactionUser.OnTimeout(ClientTransaction transaction) =>
        Post(new TransactionFailed(transaction, $"no response to {transaction.Method} in {_ua.Transactions.Timers.Timeout.TotalSeconds:0} s"));

    void IClientTransactionUser.OnTransportError(ClientTransaction transaction, Exception error) =>
        Post(new TransactionFailed(transaction, error.Message, error is SipTransportException { TlsFailed: true }));

    private bool Post(SipCallInput callEvent) => _inbox.Writer.TryWrite(callEvent);

    private async Task RunAsync()
    {
        try
        {
            await foreach (var callEvent in _inbox.Reader.ReadAllAsync())
            {
                await HandleAsync(callEvent);
                if (_phase == CallPhase.Ended)
                {
                    break;
                }
            }
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Call {CallId} failed inside the SIP stack", _plan.CallId);
            await AbortAsync();
        }
        finally
        {
            _inbox.Writer.TryComplete();
            await ReleaseAsync();
            _ua.Forget(this);
            FailPendingRequests();
            HandOverTransactions();
        }
    }

    /// <summary>
    /// The call's transactions still running (INVITE until timer M, BYE until answered) no longer hold it; an Accepted
    /// INVITE whose 2xx was ACKed leaves only its ACK behind, in the transaction layer's table.
    /// </summary>
    private void HandOverTransactions()
    {
        var finished = new FinishedCall(_ua.Transactions, _ack, _invite?.CSeq.Number ?? 0);
        if (_inviteTransaction is { } invite &&
            !(_ack is { } ack && invite.Retire(new ReAck(ack.Bytes, ack.Destination, ack.RemoteTag, _invite!.CSeq.Number))))
        {
            invite.HandOver(finished);
        }

        _cancelTransaction?.HandOver(finished);
        _byeTransaction?.HandOver(finished);
        _referTransaction?.HandOver(finished);
    }

    private Task HandleAsync(SipCallInput callEvent) => callEvent switch
    {
        CallStart => StartInviteAsync(),
        ResponseReceived { Acked: { } acked } received => OnSuccessAsync(received.Response, acked),
        ResponseReceived received => OnResponseAsync(received.Transaction, received.Response),
        TransactionFailed failed => OnTransactionFailedAsync(failed.Transaction, failed.Detail, failed.TlsFailed),
        RequestReceived request => OnRequestAsync(request.Transaction),
        LateSuccess late => OnSuccessAsync(late.Response),
        HangUpRequested hangUp => OnHangUpAsync(hangUp),
        TransferRequested transfer => OnTransferRequestedAsync(transfer),
        DigitReceived digit => OnDigitAsync(digit.Digit),
        PromptFinished => OnPromptFinishedAsync(),
        MediaTimedOut => OnMediaTimeoutAsync(),
        AgentReachable => OnAgentReachableAsync(),
        AgentUnreachable unreachable => OnAgentUnreachableAsync(unreachable.Detail),
        AgentGone gone => OnAgentGoneAsync(gone.Reason),
        TimerFired timer => OnTimerAsync(timer.Timer),
        _ => Task.CompletedTask,
    };

    private Task OnTimerAsync(CallTimer timer) => timer switch
    {
        CallTimer.Ring => OnRingTimeoutAsync(),
        CallTimer.CancelGuard => OnCancelGuardAsync(),
        CallTimer.DigitWait => OnDigitWaitAsync(),
        CallTimer.TransferGuard => OnTransferGuardAsync(),
        _ => Task.CompletedTask,
    };

    private void StartTimer(CallTimer which, TimeSpan due) => NewTimer(() => Post(new TimerFired(which))).Start(due);

    /// <summary>A timer on the stack's one timer queue, stopped when the call is released.</summary>
    private SipTimer NewTimer(Action callback)
    {
        var timer = new SipTimer(_ua.Transactions.TimerQueue, callback);
        _timers.Add(timer);
        return timer;
    }

    /// <summary>Reports the end once. The phase moves to Ending while our BYE waits for its answer, else to Ended.</summary>
    private async Task EndAsync(CallEnd end, bool awaitingBye = false)
    {
        _phase = awaitingBye ? CallPhase.Ending : CallPhase.Ended;
        if (!_endReported)
        {
            await DisconnectAgentAsync(end);
        }

        StopMedia();
        await FinishRecordingAsync();
        if (awaitingBye)
        {
            await ReleaseMediaAsync();
        }

        if (_endReported)
        {
            return;
        }

        _endReported = true;
        end = WithMediaQuality(end);
        SipCallLog.Ended(_logger, _plan.CallId, end.Outcome, end.EndReason, end.Detail);
        await ReportAsync(() => _progress.EndedAsync(end));
    }

    /// <summary>Progress failures are the dialer's to fix; they are logged and never stop the call flow.</summary>
    private async Task ReportAsync(Func<ValueTask> report)
    {
        try
        {
            await report();
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Reporting progress of call {CallId} failed", _plan.CallId);
        }
    }

    /// <summary>After a bug: hang up or cancel as best we can and report a failure.</summary>
    private async Task AbortAsync()
    {
        try
        {
            if (_phase == CallPhase.Answered)
            {
                SendBye();
            }
            else if (_phase is CallPhase.Inviting or CallPhase.Canceling && _provisional && !_cancelSent)
            {
                SendCancel();
            }
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Could not hang up call {CallId} after a failure", _plan.CallId);
        }

        await EndAsync(new CallEnd(CallOutcome.Failed, "internal_error", Retryable: true, Detail: "SIP stack failure"));
    }

    private void FailPendingRequests()
    {
        while (_inbox.Reader.TryRead(out var left))
        {
            switch (left)
            {
                case RequestReceived request:
                    request.Transaction.Respond(481, "Call/Transaction Does Not Exist", _dialog?.LocalTag);
                    break;
            }
        }
    }

    private async Task ReleaseAsync()
    {
        _released = true;
        foreach (var timer in _timers)
        {
            timer.Stop();
        }

        StopMedia();
        await FinishRecordingAsync();
        await ReleaseAgentAsync();
        await ReleaseMediaAsync();
        ReleaseSrtp();
    }
}
