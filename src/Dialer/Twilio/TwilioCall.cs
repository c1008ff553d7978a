using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;
using Twilio.Rest.Api.V2010.Account;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// One call placed through Twilio: folds status reports (callbacks, polls, REST answers — in any order, any
/// number of times) into exactly one forward-only sequence of ringing → answered → ended, hangs up and transfers
/// through the REST API, and answers the playbook's <c>&lt;Gather&gt;</c>.
/// </summary>
public sealed class TwilioCall : IProviderCall
{
    public const string LeaveMessage = "leave_message";
    private const int MaxReplays = 2;
    private readonly TwilioClient _client;
    private readonly ICallProgress _progress;
    private readonly TwilioCallRegistry _registry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly object _gatherLock = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TwilioProgress _state = TwilioProgress.Placed;
    private DateTimeOffset? _answeredAt;
    private volatile string? _requested;
    private volatile bool _playbookFinished;
    private volatile bool _handedOff;
    private volatile string? _machineEnd;
    private bool _inGather;
    private string? _gatherReply;
    private int _replays;
    private int _disclosureReported;

    internal TwilioCall(CallPlan plan, ICallProgress progress, TwilioCallLinks? links, TwilioClient client, TwilioCallRegistry registry, TimeProvider time, ILogger logger)
    {
        Plan = plan;
        Links = links;
        AudioToken = links?.Audio is null ? null : links.Audio[(links.Audio.LastIndexOf('/') + 1)..^".wav".Length];
        _progress = progress;
        _client = client;
        _registry = registry;
        _time = time;
        _logger = logger;
    }

    public string CallId => Plan.CallId;

    public CallPlan Plan { get; }

    public TwilioCallLinks? Links { get; }

    public string? AudioToken { get; }

    /// <summary>Twilio's CallSid, known once Twilio accepted the call (or a callback named it first).</summary>
    public string ProviderCallId { get; private set; } = "";

    public TwilioProgress State => _state;

    /// <summary>Completes when the end has been reported.</summary>
    public Task Ended => _ended.Task;

    internal DateTimeOffset NextPollAt { get; set; }

    internal TimeSpan PollDelay { get; set; }

    internal void Placed(string callSid) => ProviderCallId = callSid;

    /// <summary>
    /// Applies a Twilio report; returns whether the call moved. Reports each step to the dialer once; the end carries
    /// Twilio's billed duration and answer time when the report has them.
    /// </summary>
    public async Task<bool> ApplyAsync(TwilioCallReport report, CancellationToken cancellationToken = default)
    {
        var status = report.Status;
        var next = TwilioStatusMap.ProgressOf(status);
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (next is null || next <= _state)
            {
                return false;
            }

            if (next == TwilioProgress.Ringing)
            {
                _state = TwilioProgress.Ringing;
                await _progress.RingingAsync(cancellationToken);
            }
            else if ((next == TwilioProgress.Answered || status == "completed") && _state < TwilioProgress.Answered)
            {
                _answeredAt ??= _time.GetUtcNow();
                _state = TwilioProgress.Answered;
                await _progress.AnsweredAsync(cancellationToken);
            }

            if (next == TwilioProgress.Ended)
            {
                _state = TwilioProgress.Ended;
                var end = TwilioStatusMap.EndOf(status!, report.SipResponseCode, _requested, AnsweredEndReason());
                if (status == "completed")
                {
                    end = end with { TalkSeconds = report.DurationSec, AnsweredAt = report.AnsweredAt };
                }

                try
                {
                    await _progress.EndedAsync(end, cancellationToken);
                }
                finally
                {
                    // Only once the end is in the store: a status callback arriving meanwhile finds the call here and
                    // waits on its gate, instead of finding it gone and ending the still-live stored call itself.
                    _registry.Remove(this);
                    _ended.TrySetResult();
                }
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Answering-machine detection's verdict: on a machine the playbook's <c>voicemail</c> decides — <c>hangup</c>
    /// hangs up (<c>voicemail</c>), <c>leave_message</c> plays the message again from the start after the beep
    /// (<c>voicemail_left</c>); a fax is hung up on (<c>fax</c>). People and unknowns go on as they are.
    /// </summary>
    public async Task AnsweredByAsync(string? answeredBy, CancellationToken cancellationToken)
    {
        var machine = answeredBy is not null && answeredBy.StartsWith("machine_", StringComparison.Ordinal);
        if ((!machine && answeredBy != "fax") || _state == TwilioProgress.Ended || ProviderCallId.Length == 0)
        {
            return;
        }

        if (machine && Plan.Playbook.Voicemail == LeaveMessage)
        {
            if (answeredBy == "machine_start")
            {
                return; // the beep has not come yet; DetectMessageEnd reports again when it has
            }

            _machineEnd = "voicemail_left";
            var message = TwimlRenderer.Playbook(Plan, new TwimlLinks(null, Links?.Audio));
            var resource = await _client.UpdateCallAsync(new UpdateCallOptions(ProviderCallId) { Twiml = message }, cancellationToken);
            await ApplyAsync(TwilioCallReport.Of(resource), cancellationToken);
            return;
        }

        _machineEnd = machine ? "voicemail" : "fax";
        var hungUp = await _client.UpdateCallAsync(Hangup(answered: true), cancellationToken);
        await ApplyAsync(TwilioCallReport.Of(hungUp), cancellationToken);
    }

    /// <summary>Ends the call without a final status from Twilio (Twilio no longer knows it).</summary>
    public async Task GiveUpAsync(string detail, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_state == TwilioProgress.Ended)
            {
                return;
            }

            var outcome = _state == TwilioProgress.Answered ? CallOutcome.Completed : CallOutcome.Failed;
            _state = TwilioProgress.Ended;
            try
            {
                await _progress.EndedAsync(new CallEnd(outcome, _requested ?? TwilioStatusMap.ProviderError, Detail: detail), cancellationToken);
            }
            finally
            {
                _registry.Remove(this);
                _ended.TrySetResult();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Cancels the call while it is placed or ringing, hangs it up once answered; idempotent.</summary>
    public async Task HangUpAsync(HangupReason reason, CancellationToken cancellationToken)
    {
        _requested ??= TwilioStatusMap.EndReasonOf(reason);
        lock (_gatherLock)
        {
            if (_inGather)
            {
                _gatherReply = TwimlRenderer.Hangup();
                return;
            }
        }

        if (_state == TwilioProgress.Ended || ProviderCallId.Length == 0)
        {
            return;
        }

        try
        {
            var answered = _state >= TwilioProgress.Answered;
            var resource = await _client.UpdateCallAsync(Hangup(answered), cancellationToken);
            if (!answered && TwilioStatusMap.ProgressOf(resource.Status?.ToString()) == TwilioProgress.Answered)
            {
                // Answered while the cancel was on its way: a canceled status no longer applies.
                resource = await _client.UpdateCallAsync(Hangup(answered: true), cancellationToken);
            }

            await ApplyAsync(TwilioCallReport.Of(resource), cancellationToken);
        }
        catch (Exception ex) when (ex is TwilioApiException or HttpRequestException)
        {
            _logger.LogWarning("Call {CallId} ({CallSid}): Twilio did not take the hang-up ({Reason}): {Error}", CallId, ProviderCallId, _requested, ex.Message);
        }
    }

    /// <summary>Connects the answered callee to <paramref name="target"/> with new TwiML (<c>&lt;Dial&gt;</c>).</summary>
    /// <exception cref="InvalidOperationException">The call is not answered.</exception>
    public async Task TransferAsync(string target, CancellationToken cancellationToken)
    {
        var twiml = TwimlRenderer.Transfer(target, Plan.FromE164);
        lock (_gatherLock)
        {
            if (_inGather)
            {
                _handedOff = true;
                _gatherReply = twiml;
                return;
            }
        }

        if (_state != TwilioProgress.Answered)
        {
            throw new InvalidOperationException("Only an answered call can be transferred");
        }

        _handedOff = true;
        var resource = await _client.UpdateCallAsync(new UpdateCallOptions(ProviderCallId) { Twiml = twiml }, cancellationToken);
        await ApplyAsync(TwilioCallReport.Of(resource), cancellationToken);
    }

    /// <summary>
    /// The Gather's action: a digit goes to the dialer, whose answer (a hang-up, a transfer) becomes the TwiML
    /// returned; no digit means the playbook has played to its end.
    /// </summary>
    public async Task<string> GatherAsync(string? digits, CancellationToken cancellationToken)
    {
        // The Gather's action comes only after the notices before it have been spoken.
        if (Interlocked.Exchange(ref _disclosureReported, 1) == 0)
        {
            if (!string.IsNullOrWhiteSpace(Plan.Playbook.RecordingNotice))
            {
                await _progress.TimelineAsync("recording_notice_played", null, cancellationToken);
            }

            if (!string.IsNullOrEmpty(Plan.Playbook.DisclosureText))
            {
                await _progress.TimelineAsync("disclosure_played", null, cancellationToken);
            }
        }

        if (string.IsNullOrEmpty(digits))
        {
            _playbookFinished = true;
            return TwimlRenderer.Hangup();
        }

        var digit = digits[0];
        lock (_gatherLock)
        {
            _inGather = true;
            _gatherReply = null;
        }

        string? reply;
        try
        {
            await _progress.DtmfAsync(digit, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Call {CallId}: acting on key {Digit} failed; the call is ended", CallId, digit);
            lock (_gatherLock)
            {
                _gatherReply ??= TwimlRenderer.Hangup();
            }
        }
        finally
        {
            lock (_gatherLock)
            {
                _inGather = false;
                reply = _gatherReply;
            }
        }

        if (reply is not null)
        {
            return reply;
        }

        if (Plan.Playbook.Dtmf.ContainsKey(digit.ToString()) || Interlocked.Increment(ref _replays) > MaxReplays)
        {
            _playbookFinished = true;
            return TwimlRenderer.Hangup();
        }

        return TwimlRenderer.Playbook(Plan, new TwimlLinks(Links?.GatherAction, Links?.Audio), includeDisclosure: false);
    }

    /// <summary>Cancels a call that has not been answered; hangs up (<c>completed</c>) one that has.</summary>
    private UpdateCallOptions Hangup(bool answered) => new(ProviderCallId)
    {
        Status = answered ? CallResource.UpdateStatusEnum.Completed : CallResource.UpdateStatusEnum.Canceled,
    };

    private string AnsweredEndReason()
    {
        if (_machineEnd is { } machine)
        {
            return machine;
        }

        if (_handedOff)
        {
            return TwilioStatusMap.Handoff;
        }

        if (_playbookFinished)
        {
            return TwilioStatusMap.PlaybookFinished;
        }

        var talked = _answeredAt is { } at ? _time.GetUtcNow() - at : TimeSpan.Zero;
        return talked >= Plan.EffectiveMaxDuration - TimeSpan.FromSeconds(1) && Plan.EffectiveMaxDuration > TimeSpan.Zero
            ? "max_duration_reached"
            : TwilioStatusMap.RemoteHangup;
    }
}
