using System.Net;
using Cualify.Appliance.Dialer.Sip.Auth;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>The INVITE side: building and sending it, digest retries, provisional responses, CANCEL and ring timeout.</summary>
public sealed partial class SipCall
{
    private const int MaxAuthTries = 2;

    private IPEndPoint _firstHop = new(IPAddress.Loopback, 5060);
    private SessionDescription? _offer;
    private SipRequest _invite = null!;
    private ClientInviteTransaction? _inviteTransaction;
    private NameAddress _from = null!;
    private NameAddress _to = null!;
    private string _requestUri = "";
    private int _authTries;
    private bool _provisional;
    private bool _ringingReported;
    private bool _cancelSent;
    private ClientTransaction? _cancelTransaction;

    /// <summary>Null while ringing out; the dialer's reason once it asked to stop before the answer.</summary>
    private HangupReason? _stopReason;

    /// <summary>Takes an RTP port and finds the first hop. False (after reporting the end) when the call cannot start.</summary>
    internal async Task<bool> PrepareAsync(CancellationToken cancellationToken)
    {
        var options = _ua.Options;
        try
        {
            _rtp = new RtpSession(_ua.Media.Ports);
        }
        catch (RtpPortsExhaustedException exception)
        {
            await EndAsync(new CallEnd(CallOutcome.Failed, "media_unavailable", Retryable: true, Detail: exception.Message));
            return false;
        }

        var (trunkHost, trunkPort) = options.TrunkEndpoint;
        var proxy = SipOptions.ParseHostPort(options.OutboundProxy);
        try
        {
            _firstHop = proxy is { } p
                ? await _ua.Resolver.ResolveAsync(p.Host, p.Port, cancellationToken)
                : await _ua.Resolver.ResolveAsync(trunkHost, trunkPort, cancellationToken);
        }
        catch (SipResolveException exception)
        {
            await _rtp.DisposeAsync();
            await EndAsync(SipCallEnds.TrunkUnreachable(exception.Message));
            return false;
        }

        var domain = trunkPort == options.DefaultPort ? trunkHost : $"{trunkHost}:{trunkPort}";
        _requestUri = $"sip:{_plan.ToE164}@{domain}{_ua.Identity.UriTransport}";
        var callerUser = string.IsNullOrWhiteSpace(_plan.FromE164) ? options.FromUser : _plan.FromE164;
        _from = new NameAddress($"sip:{callerUser}@{options.EffectiveFromDomain}", string.IsNullOrWhiteSpace(_plan.FromE164) ? null : _plan.FromE164)
            .WithTag(SipIds.Tag());
        _to = new NameAddress(_requestUri);
        var address = IPAddress.Parse(_ua.Identity.Host);
        var sessionId = _ua.Time.GetUtcNow().ToUnixTimeSeconds();
        _sdpVersion = sessionId;
        _offeredCrypto = NewCryptoOffer();
        _offer = SdpOfferAnswer.Offer(address, _rtp.LocalPort, options.CodecList, sessionId, _sdpVersion, _offeredCrypto, options.SrtpMode == SrtpMode.Required);
        return true;
    }

    private Task StartInviteAsync()
    {
        _phase = CallPhase.Inviting;
        SendInvite(1, null, null);
        StartTimer(CallTimer.Ring, _plan.RingTimeout);
        if (_logger.IsEnabled(LogLevel.Information))
        {
            SipCallLog.Dialing(_logger, _plan.CallId, Cualify.Appliance.Core.Privacy.Redact.PhoneNumber(_plan.ToE164), CallId);
        }
        return Task.CompletedTask;
    }

    private void SendInvite(uint sequence, string? authHeader, string? authValue)
    {
        var options = _ua.Options;
        var invite = new SipRequest(SipMethods.Invite, _requestUri);
        invite.Headers.Add(SipHeaderNames.Via, _ua.Identity.NewVia().ToString());
        invite.Headers.Add(SipHeaderNames.MaxForwards, "70");
        invite.Headers.Add(SipHeaderNames.From, _from.ToString());
        invite.Headers.Add(SipHeaderNames.To, _to.ToString());
        invite.Headers.Add(SipHeaderNames.CallId, CallId);
        invite.Headers.Add(SipHeaderNames.CSeq, new CSeq(sequence, SipMethods.Invite).ToString());
        invite.Headers.Add(SipHeaderNames.Contact, _ua.Identity.Contact(options.FromUser));
        if (SipOptions.ParseHostPort(options.OutboundProxy) is { } proxy)
        {
            invite.Headers.Add(SipHeaderNames.Route, $"<sip:{proxy.Host}:{proxy.Port}{_ua.Identity.UriTransport};lr>");
        }

        if (options.SendPAssertedIdentity && !string.IsNullOrWhiteSpace(_plan.FromE164))
        {
            invite.Headers.Add(SipHeaderNames.PAssertedIdentity, $"<sip:{_plan.FromE164}@{options.EffectiveFromDomain}>");
        }

        invite.Headers.Add(SipHeaderNames.Allow, SipMethods.Allowed);
        invite.Headers.Add(SipHeaderNames.UserAgent, options.UserAgent);
        if (authHeader is not null)
        {
            invite.Headers.Add(authHeader, authValue!);
        }

        invite.SetBody("application/sdp", _offer!.ToString());
        _invite = invite;
        _inviteTransaction = _ua.Transactions.SendInvite(invite, _firstHop, this);
    }

    private async Task OnResponseAsync(ClientTransaction transaction, SipResponse response)
    {
        if (transaction == _inviteTransaction)
        {
            await OnInviteResponseAsync(response);
        }
        else if (transaction == _cancelTransaction)
        {
            // 200 means the INVITE will end with 487; anything else changes nothing: the cancel guard still runs.
        }
        else if (transaction == _byeTransaction)
        {
            if (response.IsFinal && _phase == CallPhase.Ending)
            {
                _phase = CallPhase.Ended;
            }
        }
        else if (transaction == _referTransaction)
        {
            await OnReferResponseAsync(response);
        }
    }

    private async Task OnInviteResponseAsync(SipResponse response)
    {
        if (response.IsProvisional)
        {
            await OnProvisionalAsync(response);
        }
        else if (response.IsSuccess)
        {
            await OnSuccessAsync(response);
        }
        else if (_phase == CallPhase.Canceling && response.StatusCode == 487)
        {
            await EndAsync(SipCallEnds.Stopped(_stopReason));
        }
        else if (_phase == CallPhase.Inviting && response.StatusCode is 401 or 407 && TryAuthenticate(response))
        {
            _logger.LogDebug("Call {CallId} answered a {Status} digest challenge", _plan.CallId, response.StatusCode);
        }
        else if (_phase is CallPhase.Inviting or CallPhase.Canceling)
        {
            await EndAsync(_phase == CallPhase.Canceling && response.StatusCode is 401 or 407
                ? SipCallEnds.Stopped(_stopReason)
                : SipCallEnds.ForFinalResponse(response));
        }
    }

    private async Task OnProvisionalAsync(SipResponse response)
    {
        _provisional = true;
        if (_phase == CallPhase.Canceling && !_cancelSent)
        {
            SendCancel();
            return;
        }

        if (_phase == CallPhase.Inviting && response.StatusCode is 180 or 183 && !_ringingReported)
        {
            _ringingReported = true;
            await ReportAsync(() => _progress.RingingAsync());
        }
    }

    /// <summary>RFC 3261 §22.2: answer the strongest challenge we support with CSeq+1 and a new branch, at most twice.</summary>
    private bool TryAuthenticate(SipResponse response)
    {
        var options = _ua.Options;
        if (_authTries >= MaxAuthTries || string.IsNullOrEmpty(options.Password))
        {
            return false;
        }

        var proxy = response.StatusCode == 407;
        var challenge = response.Headers.GetAll(proxy ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate)
            .Select(value => DigestChallenge.TryParse(value, out var parsed) ? parsed : null)
            .Where(parsed => parsed is { IsSupported: true })
            .OrderByDescending(parsed => DigestHash.Strength(parsed!.Algorithm))
            .FirstOrDefault();
        if (challenge is null)
        {
            return false;
        }

        _authTries++;
        var credentials = DigestAuthorization.Header(challenge, options.AuthUser, options.Password, SipMethods.Invite, _requestUri, body: _invite.Body.Span);
        SendInvite(_invite.CSeq.Number + 1, proxy ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization, credentials);
        return true;
    }

    private Task OnRingTimeoutAsync()
    {
        if (_phase == CallPhase.Inviting)
        {
            _logger.LogInformation("Call {CallId} rang for {Seconds:0} s without an answer; canceling", _plan.CallId, _plan.RingTimeout.TotalSeconds);
            StopRinging(null);
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops a call that is not answered yet: CANCEL now if a provisional came, else as soon as one does.</summary>
    private void StopRinging(HangupReason? reason)
    {
        _phase = CallPhase.Canceling;
        _stopReason = reason;
        if (_provisional)
        {
            SendCancel();
        }
    }

    /// <summary>RFC 3261 §9.1: CANCEL on the INVITE's branch with the same Request-URI, Call-ID, From, To, CSeq number and Route.</summary>
    private void SendCancel()
    {
        _cancelSent = true;
        var cancel = new SipRequest(SipMethods.Cancel, _invite.RequestUri);
        cancel.Headers.Add(SipHeaderNames.Via, _invite.Headers[SipHeaderNames.Via]!);
        cancel.Headers.Add(SipHeaderNames.MaxForwards, "70");
        cancel.Headers.Add(SipHeaderNames.From, _invite.Headers[SipHeaderNames.From]!);
        cancel.Headers.Add(SipHeaderNames.To, _invite.Headers[SipHeaderNames.To]!);
        cancel.Headers.Add(SipHeaderNames.CallId, CallId);
        cancel.Headers.Add(SipHeaderNames.CSeq, new CSeq(_invite.CSeq.Number, SipMethods.Cancel).ToString());
        cancel.Headers.CopyFrom(_invite.Headers, SipHeaderNames.Route);
        cancel.Headers.Add(SipHeaderNames.UserAgent, _ua.Options.UserAgent);
        _cancelTransaction = _ua.Transactions.SendRequest(cancel, _firstHop, this);
        StartTimer(CallTimer.CancelGuard, _ua.Transactions.Timers.Timeout);
    }

    private async Task OnCancelGuardAsync()
    {
        if (_phase == CallPhase.Canceling)
        {
            _inviteTransaction?.Abandon();
            await EndAsync(SipCallEnds.Stopped(_stopReason));
        }
    }

    private async Task OnTransactionFailedAsync(ClientTransaction transaction, string detail, bool tlsFailed)
    {
        if (transaction == _inviteTransaction && _phase is CallPhase.Inviting or CallPhase.Canceling)
        {
            await EndAsync(_stopReason is not null ? SipCallEnds.Stopped(_stopReason)
                : tlsFailed ? SipCallEnds.TlsFailed(detail)
                : SipCallEnds.TrunkUnreachable(detail));
        }
        else if (transaction == _byeTransaction && _phase == CallPhase.Ending)
        {
            _logger.LogDebug("Call {CallId}: the BYE got no answer ({Detail})", _plan.CallId, detail);
            _phase = CallPhase.Ended;
        }
        else if (transaction == _referTransaction)
        {
            await TransferFailedAsync(detail);
        }
    }

    private async Task OnHangUpAsync(HangUpRequested request)
    {
        switch (_phase)
        {
            case CallPhase.Inviting when request.Reason == HangupReason.Shutdown && !_provisional:
                // Nothing to CANCEL yet and no time to wait for it: the INVITE is left to time out on its own.
                _inviteTransaction?.Abandon();
                await EndAsync(SipCallEnds.Stopped(request.Reason));
                break;
            case CallPhase.Inviting:
                StopRinging(request.Reason);
                break;
            case CallPhase.Answered:
                SendBye();
                await EndAsync(_transferring ? new CallEnd(CallOutcome.Completed, "handoff") : SipCallEnds.HungUp(request.Reason), awaitingBye: true);
                break;
        }
    }
}
