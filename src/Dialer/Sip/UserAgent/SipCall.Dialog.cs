using System.Net;
using Cualify.Appliance.Dialer.Sip.Dialogs;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Sip.Transport;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>The dialog side: the 2xx and its ACK, BYE both ways, and requests the peer sends inside the dialog.</summary>
public sealed partial class SipCall
{
    private SipDialog? _dialog;
    private IPEndPoint? _dialogHop;
    private ClientTransaction? _byeTransaction;
    private long _sdpVersion;

    /// <summary>The ACK for the 2xx and the remote tag it answers; set once, read by the receive thread.</summary>
    private volatile AckCache? _ack;

    /// <summary>
    /// Runs on the receive thread for the first 2xx of the current INVITE: when the next hop needs no DNS lookup,
    /// builds the dialog and its ACK, sent at once by the caller. Null leaves it all to the call loop.
    /// </summary>
    private AckedDialog? AckOnArrival(SipResponse response)
    {
        var dialog = SipDialog.FromInviteResponse(_invite, response);
        if (dialog is null || _ack is not null)
        {
            return null;
        }

        IPEndPoint hop;
        if (SipOptions.ParseHostPort(_ua.Options.OutboundProxy) is not null)
        {
            hop = _firstHop;
        }
        else if (SipUri.TryParse(dialog.NextHop, out var next) && next.Parameters["maddr"] is null &&
                 IPAddress.TryParse(next.Host.Trim('[', ']'), out var address))
        {
            hop = new IPEndPoint(address, next.Port ?? 5060);
        }
        else
        {
            return null;
        }

        return new AckedDialog(dialog, hop, BuildAck(dialog, hop));
    }

    /// <summary>A 2xx to our INVITE: first one builds the dialog and ACKs; a crossed CANCEL or a bad answer gets ACK then BYE.</summary>
    private async Task OnSuccessAsync(SipResponse response, AckedDialog? acked = null)
    {
        if (acked is null && TryResendAck(response))
        {
            return;
        }

        var dialog = acked?.Dialog ?? SipDialog.FromInviteResponse(_invite, response);
        if (dialog is null)
        {
            _logger.LogWarning("Call {CallId}: a 2xx without To tag or Contact; it cannot be acknowledged", _plan.CallId);
            if (_phase is CallPhase.Inviting or CallPhase.Canceling)
            {
                await EndAsync(SipCallEnds.TrunkUnreachable("2xx without To tag or Contact"));
            }

            return;
        }

        if (_dialog is not null || _phase is not (CallPhase.Inviting or CallPhase.Canceling))
        {
            // A second dialog from a forking proxy, or a 2xx after we gave up: ACK it and hang it up (RFC 3261 §13.2.2.4).
            var extraHop = await DialogHopAsync(dialog);
            SendAck(dialog, extraHop, remember: false);
            SendBye(dialog, extraHop);
            return;
        }

        _dialog = dialog;
        if (acked is null)
        {
            _dialogHop = await DialogHopAsync(dialog);
            SendAck(dialog, _dialogHop, remember: true);
        }
        else
        {
            _dialogHop = acked.Hop;
            // Nothing this call sends next (a BYE) may overtake the ACK the receive thread sends or is sending.
            EnsureAckSent(acked);
        }

        if (_phase == CallPhase.Canceling)
        {
            _logger.LogInformation("Call {CallId} was answered as we canceled it; hanging up", _plan.CallId);
            SendBye();
            await EndAsync(SipCallEnds.Stopped(_stopReason), awaitingBye: true);
            return;
        }

        var media = SessionDescription.TryParse(response.BodyText, out var answer)
            ? SdpOfferAnswer.Negotiate(answer, _ua.Options.CodecList, out var failure, _offeredCrypto)
            : null;
        if (media is null)
        {
            SendBye();
            await EndAsync(new CallEnd(CallOutcome.Failed, "no_common_codec", Detail: "the 2xx carried no usable SDP answer"), awaitingBye: true);
            return;
        }

        if (!StartSrtp(media))
        {
            SendBye();
            await EndAsync(new CallEnd(CallOutcome.Failed, "no_common_codec", Detail: "SRTP is required and the answer agreed no a=crypto key"), awaitingBye: true);
            return;
        }

        _phase = CallPhase.Answered;
        SipCallLog.Answered(_logger, _plan.CallId, media.Codec.Name);
        await ReportAsync(() => _progress.AnsweredAsync());
        await StartMediaAsync(media);
    }

    private async Task<IPEndPoint> DialogHopAsync(SipDialog dialog)
    {
        if (SipOptions.ParseHostPort(_ua.Options.OutboundProxy) is not null)
        {
            return _firstHop;
        }

        try
        {
            return await _ua.Resolver.ResolveAsync(dialog.NextHop, CancellationToken.None);
        }
        catch (SipResolveException exception)
        {
            _logger.LogWarning("Call {CallId}: the remote target does not resolve ({Detail}); using the trunk", _plan.CallId, exception.Message);
            return _firstHop;
        }
    }

    private void SendAck(SipDialog dialog, IPEndPoint destination, bool remember)
    {
        var cache = BuildAck(dialog, destination);
        if (remember)
        {
            _ack = cache;
        }

        Send(cache);
    }

    /// <summary>The ACK sent on arrival of the first 2xx, after the 2xx is queued for the call's loop.</summary>
    private void SendAckOnArrival(AckedDialog acked) => EnsureAckSent(acked);

    private AckCache BuildAck(SipDialog dialog, IPEndPoint destination)
    {
        var ack = dialog.CreateAck(_ua.Identity.NewVia(), _invite.CSeq.Number);
        ack.Headers.Add(SipHeaderNames.UserAgent, _ua.Options.UserAgent);
        return new AckCache(ack.ToBytes(), destination, dialog.RemoteTag);
    }

    /// <summary>Re-sends the ACK when <paramref name="response"/> is a retransmission of the 2xx we already ACKed.</summary>
    private bool TryResendAck(SipResponse response)
    {
        var cache = _ack;
        if (cache is null || response.To?.Tag != cache.RemoteTag || response.CSeq.Number != _invite.CSeq.Number)
        {
            return false;
        }

        Send(cache);
        return true;
    }

    /// <summary>
    /// Sends the on-arrival ACK unless it already left, and returns once it has: the receive thread calls it just after
    /// queuing the 2xx, the call's loop before anything else it sends in the dialog. Whoever comes first sends; the
    /// other waits at most for that one send, so a BYE never overtakes the ACK and no thread is woken for it.
    /// </summary>
    private void EnsureAckSent(AckedDialog acked)
    {
        _ack = acked.Ack;
        lock (acked.Gate)
        {
            if (!acked.Sent)
            {
                acked.Sent = true;
                Send(acked.Ack);
            }
        }
    }

    private void Send(AckCache ack)
    {
        try
        {
            _ua.Transactions.SendAck(ack.Bytes, ack.Destination);
        }
        catch (SipTransportException exception)
        {
            _logger.LogDebug("Call {CallId}: sending the ACK failed: {Detail}", _plan.CallId, exception.Message);
        }
    }

    private void SendBye() => _byeTransaction = SendBye(_dialog!, _dialogHop!);

    private ClientTransaction SendBye(SipDialog dialog, IPEndPoint destination)
    {
        var bye = dialog.CreateRequest(SipMethods.Bye, _ua.Identity.NewVia());
        bye.Headers.Add(SipHeaderNames.UserAgent, _ua.Options.UserAgent);
        return _ua.Transactions.SendRequest(bye, destination, this);
    }

    private async Task OnRequestAsync(ServerTransaction transaction)
    {
        var request = transaction.Request;
        if (_dialog is null || !_dialog.Matches(request))
        {
            transaction.Respond(481, "Call/Transaction Does Not Exist", _dialog?.LocalTag);
            return;
        }

        if (!_dialog.AcceptRemoteSequence(request.CSeq.Number))
        {
            transaction.Respond(500, "Server Internal Error", _dialog.LocalTag);
            return;
        }

        switch (request.Method)
        {
            case SipMethods.Bye:
                transaction.Respond(200, "OK");
                if (_phase == CallPhase.Answered)
                {
                    _logger.LogInformation("Call {CallId}: the other side hung up", _plan.CallId);
                    await EndAsync(new CallEnd(CallOutcome.Completed, _transferring ? "handoff" : "remote_hangup"));
                }

                break;
            case SipMethods.Invite or SipMethods.Update:
                OnSessionRefresh(transaction);
                break;
            case SipMethods.Notify:
                await OnNotifyAsync(transaction);
                break;
            case SipMethods.Info:
                transaction.Respond(200, "OK");
                if (InfoDigit(request) is { } digit)
                {
                    await OnDigitAsync(digit);
                }

                break;
            case SipMethods.Options:
                transaction.Respond(200, "OK");
                break;
            default:
                var refused = SipResponses.For(request, 405, "Method Not Allowed");
                refused.Headers.Add(SipHeaderNames.Allow, SipMethods.Allowed);
                transaction.Respond(refused);
                break;
        }
    }

    /// <summary>A re-INVITE or UPDATE (hold, session timer, moved media): answer with our SDP and follow the new address.</summary>
    private void OnSessionRefresh(ServerTransaction transaction)
    {
        var request = transaction.Request;
        _dialog!.RefreshTarget(request);
        var ok = SipResponses.For(request, 200, "OK");
        ok.Headers.Add(SipHeaderNames.Contact, _ua.Identity.Contact(_ua.Options.FromUser));
        ok.Headers.Add(SipHeaderNames.Allow, SipMethods.Allowed);
        if (request.Body.Length > 0 && SessionDescription.TryParse(request.BodyText, out var offer) &&
            SdpOfferAnswer.NegotiateOffer(offer, _ua.Options.CodecList, out _, _offeredCrypto) is { } media && _rtp is not null)
        {
            if (!RekeySrtp(media))
            {
                // RFC 3264 §8: a re-offer we cannot accept is refused and the session goes on as it was.
                transaction.Respond(SipResponses.For(request, 488, "Not Acceptable Here"));
                return;
            }

            _rtp.Remote = media.Remote;
            ok.SetBody("application/sdp", SdpOfferAnswer.Answer(offer, _offer!, media, ++_sdpVersion).ToString());
        }
        else if (request.Method == SipMethods.Invite)
        {
            ok.SetBody("application/sdp", _offer!.ToString());
        }

        transaction.Respond(ok);
    }

    /// <summary>A key sent as SIP INFO: <c>application/dtmf-relay</c> (<c>Signal=5</c>) or <c>application/dtmf</c>.</summary>
    private static char? InfoDigit(SipRequest request)
    {
        var type = request.ContentType ?? "";
        var body = request.BodyText.Trim();
        if (type.StartsWith("application/dtmf-relay", StringComparison.OrdinalIgnoreCase))
        {
            var signal = body.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Signal", StringComparison.OrdinalIgnoreCase));
            body = signal?[(signal.IndexOf('=') + 1)..].Trim() ?? "";
        }
        else if (!type.StartsWith("application/dtmf", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return body.Length == 1 && "0123456789*#ABCD".Contains(char.ToUpperInvariant(body[0])) ? char.ToUpperInvariant(body[0]) : null;
    }
}
