using Cualify.Appliance.Dialer.Sip.Messages;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// Blind transfer (RFC 3515): REFER to the handoff target, then the NOTIFYs of its progress (message/sipfrag). When
/// the target answers we hang up our leg and the call ends <c>handoff</c>; when it fails we hang up <c>handoff_failed</c>.
/// </summary>
public sealed partial class SipCall
{
    private ClientTransaction? _referTransaction;
    private bool _transferring;

    private Task OnTransferRequestedAsync(TransferRequested request)
    {
        if (_phase != CallPhase.Answered || _transferring)
        {
            _logger.LogWarning("Call {CallId}: a transfer was asked for while the call is {Phase}; ignored", _plan.CallId, _transferring ? "already transferring" : _phase.ToString());
            return Task.CompletedTask;
        }

        _transferring = true;
        _player?.Stop();
        var refer = _dialog!.CreateRequest(SipMethods.Refer, _ua.Identity.NewVia());
        refer.Headers.Add(SipHeaderNames.ReferTo, "<" + TargetUri(request.Target) + ">");
        refer.Headers.Add(SipHeaderNames.ReferredBy, "<" + _from.Uri + ">");
        refer.Headers.Add(SipHeaderNames.Contact, _ua.Identity.Contact(_ua.Options.FromUser));
        refer.Headers.Add(SipHeaderNames.UserAgent, _ua.Options.UserAgent);
        _referTransaction = _ua.Transactions.SendRequest(refer, _dialogHop!, this);
        _logger.LogInformation("Call {CallId}: transferring to the handoff target", _plan.CallId);
        return Task.CompletedTask;
    }

    /// <summary>A SIP URI stays as it is; a number (E.164 or digits) is dialed through the trunk.</summary>
    private string TargetUri(string target)
    {
        target = target.Trim();
        if (target.StartsWith("sip:", StringComparison.OrdinalIgnoreCase) || target.StartsWith("sips:", StringComparison.OrdinalIgnoreCase))
        {
            return target;
        }

        var (host, port) = _ua.Options.TrunkEndpoint;
        var number = new string(target.Where(c => char.IsAsciiDigit(c) || c == '+').ToArray());
        return port == 5060 ? $"sip:{number}@{host}" : $"sip:{number}@{host}:{port}";
    }

    private async Task OnReferResponseAsync(SipResponse response)
    {
        if (!response.IsFinal)
        {
            return;
        }

        if (response.IsSuccess)
        {
            StartTimer(CallTimer.TransferGuard, _ua.Transactions.Timers.Timeout);
            return;
        }

        await TransferFailedAsync($"REFER refused: {response.StatusCode} {response.Reason}");
    }

    /// <summary>RFC 3515 §2.4.5: each NOTIFY carries the status line of the transferred call.</summary>
    private async Task OnNotifyAsync(ServerTransaction transaction)
    {
        var request = transaction.Request;
        transaction.Respond(200, "OK");
        if (!_transferring || _phase != CallPhase.Answered ||
            !(request.Headers[SipHeaderNames.Event] ?? "").StartsWith("refer", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var statusLine = request.BodyText.Split('\n')[0].Trim();
        var parts = statusLine.Split(' ', 3);
        var terminated = (request.Headers[SipHeaderNames.SubscriptionState] ?? "").StartsWith("terminated", StringComparison.OrdinalIgnoreCase);
        if (parts.Length >= 2 && parts[0] == "SIP/2.0" && int.TryParse(parts[1], out var status) && status >= 200)
        {
            if (status < 300)
            {
                await CompleteTransferAsync();
            }
            else
            {
                await TransferFailedAsync($"the handoff target answered {statusLine[8..]}");
            }
        }
        else if (terminated)
        {
            await CompleteTransferAsync();
        }
    }

    private async Task CompleteTransferAsync()
    {
        _logger.LogInformation("Call {CallId} handed off", _plan.CallId);
        SendBye();
        await EndAsync(new CallEnd(CallOutcome.Completed, "handoff"), awaitingBye: true);
    }

    private async Task TransferFailedAsync(string detail)
    {
        if (_phase != CallPhase.Answered)
        {
            return;
        }

        _logger.LogWarning("Call {CallId}: transfer failed: {Detail}", _plan.CallId, detail);
        await ReportAsync(() => _progress.TimelineAsync("handoff_failed", new Dictionary<string, object?> { ["detail"] = detail }));
        SendBye();
        await EndAsync(new CallEnd(CallOutcome.Completed, "handoff_failed", Detail: detail), awaitingBye: true);
    }

    private async Task OnTransferGuardAsync()
    {
        if (_phase == CallPhase.Answered && _transferring)
        {
            await CompleteTransferAsync();
        }
    }
}
