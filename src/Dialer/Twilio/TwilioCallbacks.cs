using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Errors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>Which public Twilio endpoint a request came to.</summary>
public enum TwilioCallbackKind
{
    Status,
    Gather,
    Twiml,
    Machine,
    Recording,
}

/// <summary>
/// What the public Twilio endpoints do, behind a signature check: each request must carry an
/// <c>X-Twilio-Signature</c> over the exact URL the appliance gave Twilio for that call (rebuilt from
/// <c>Api:PublicBaseUrl</c>, so a proxy in front changes nothing) and the POSTed parameters. A request for a call
/// another live node placed is answered by that node (<see cref="TwilioCallForwarding"/>).
/// </summary>
public sealed class TwilioCallbacks(
    TwilioCallRegistry registry, TwilioStoredCallStatus stored, TwilioRecordingFetcher recordings, TwilioCallForwarding forwarding,
    TwilioAudioTokens audioTokens, CallReader calls, PlaybookStore playbooks, PlaybookAudioStore prompts,
    IOptions<TwilioOptions> options, IOptions<ApiOptions> api, ILogger<TwilioCallbacks> logger)
{
    public const string TwimlContentType = "application/xml; charset=utf-8";

    /// <summary>Throws <c>403 forbidden</c> (<c>invalid_signature</c>) unless Twilio signed this request.</summary>
    public void Verify(TwilioCallbackRequest request)
    {
        var publicBase = api.Value.PublicBase
            ?? throw new ApplianceException(ErrorKind.NotFound, "Twilio callbacks are off: Api:PublicBaseUrl is not set");
        var url = TwilioCallLinks.For(publicBase, request.CallId, null).Of(request.Kind) + request.QueryString;
        if (!TwilioSignature.IsValid(options.Value.AuthToken ?? "", url, request.Form, request.Signature))
        {
            logger.LogWarning("Refused a Twilio {Kind} request for call {CallId}{Forwarded}: {Problem}", request.Kind, request.CallId,
                request.ForwardedBy is null ? "" : $" passed on by node {request.ForwardedBy}",
                string.IsNullOrEmpty(request.Signature) ? "no signature" : "the signature does not match");
            throw ApplianceException.Forbidden("invalid_signature", $"The {TwilioSignature.Header} header is missing or does not sign this request");
        }
    }

    /// <summary>
    /// A status callback: <c>CallStatus</c> moves the call forward; a final one's <c>CallDuration</c> is what is billed.
    /// A call another live node placed is passed on to it, so that its call sees every step; when that node cannot be
    /// reached, the call is moved in the store (<see cref="TwilioStoredCallStatus"/>).
    /// </summary>
    public async Task StatusAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (registry.Find(request.CallId) is null && await forwarding.ToOwnerAsync(request, cancellationToken) is { Status: < 300 })
        {
            return;
        }

        await StatusAsync(request.CallId, request.Form, cancellationToken);
    }

    /// <summary>A status callback handled here: the live call moves, or the call in the store when it is not live here.</summary>
    public async Task StatusAsync(string callId, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        if (registry.Find(callId) is null)
        {
            await stored.ApplyAsync(callId, form.GetValueOrDefault("CallSid") ?? "", TwilioCallReport.Of(form), cancellationToken);
            return;
        }

        if (Adopt(callId, form) is not { } call)
        {
            return;
        }

        await call.ApplyAsync(TwilioCallReport.Of(form), cancellationToken);
    }

    /// <summary>The Gather's action: returns the TwiML that continues or ends the call.</summary>
    public async Task<string> GatherAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (registry.Find(request.CallId) is null)
        {
            return await OwnersTwimlAsync(request, cancellationToken);
        }

        return Adopt(request.CallId, request.Form) is { } call
            ? await call.GatherAsync(request.Form.GetValueOrDefault("Digits"), cancellationToken)
            : TwimlRenderer.Hangup();
    }

    /// <summary>Answering-machine detection's verdict (<c>AnsweredBy</c>).</summary>
    public async Task MachineAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (registry.Find(request.CallId) is null)
        {
            await forwarding.ToOwnerAsync(request, cancellationToken);
        }
        else if (Adopt(request.CallId, request.Form) is { } call)
        {
            await call.AnsweredByAsync(request.Form.GetValueOrDefault("AnsweredBy"), cancellationToken);
        }
    }

    /// <summary>The recording status callback: a completed recording of an ended call is downloaded into the store.</summary>
    public Task RecordingAsync(TwilioCallbackRequest request, CancellationToken cancellationToken) =>
        recordings.RecordingStatusAsync(request.CallId, request.Form, cancellationToken);

    /// <summary>The whole playbook, for calls whose TwiML was too long to send inline.</summary>
    public async Task<string> TwimlAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (registry.Find(request.CallId) is null)
        {
            return await OwnersTwimlAsync(request, cancellationToken);
        }

        return Adopt(request.CallId, request.Form) is { } call
            ? TwimlRenderer.Playbook(call.Plan, new TwimlLinks(call.Links?.GatherAction, call.Links?.Audio))
            : TwimlRenderer.Hangup();
    }

    /// <summary>
    /// The prompt of the live call holding <paramref name="token"/>, as WAV; null when there is none. A call another
    /// node dials is looked up in the store, and its prompt written here from the store's copy if this node has no file.
    /// </summary>
    public async Task<byte[]?> AudioAsync(string token, CancellationToken cancellationToken)
    {
        var path = registry.FindByAudioToken(token) is { Plan.Playbook.AudioPath: { } here } ? here : await PathOfOtherNodesCallAsync(token, cancellationToken);
        return path is not null && File.Exists(path) ? PromptWav.FromUlaw(await File.ReadAllBytesAsync(path, cancellationToken)) : null;
    }

    private async Task<string?> PathOfOtherNodesCallAsync(string token, CancellationToken cancellationToken)
    {
        if (!audioTokens.TryRead(token, out var callId, out var audioId)
            || await calls.GetAsync(callId, cancellationToken) is not { IsFinal: false } call
            || await playbooks.AudioAsync(audioId, cancellationToken) is not { } audio
            || audio.OrgId != call.OrgId)
        {
            return null;
        }

        return await prompts.EnsureHereAsync(audio, cancellationToken) ? prompts.UlawPath(audio) : null;
    }

    /// <summary>
    /// The TwiML of the node dialing a call not live here; a hang-up when no live node dials it (the call is settled
    /// by the recovery of its silent node, or has ended) or that node does not answer.
    /// </summary>
    private async Task<string> OwnersTwimlAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (await forwarding.ToOwnerAsync(request, cancellationToken) is { Status: 200 } answer)
        {
            return answer.Body;
        }

        logger.LogDebug("Twilio's {Kind} request for call {CallId}, which no live node here or elsewhere answers, is told to hang up", request.Kind, request.CallId);
        return TwimlRenderer.Hangup();
    }

    private TwilioCall? Adopt(string callId, IReadOnlyDictionary<string, string> form)
    {
        var call = registry.Find(callId);
        var callSid = form.GetValueOrDefault("CallSid") ?? "";
        if (call is null)
        {
            logger.LogDebug("Twilio reported on call {CallId} ({CallSid}), which is not live here", callId, callSid);
            return null;
        }

        if (call.ProviderCallId.Length == 0 && callSid.Length > 0)
        {
            call.Placed(callSid);
        }
        else if (callSid.Length > 0 && callSid != call.ProviderCallId)
        {
            logger.LogWarning("Twilio reported {CallSid} for call {CallId}, which is {Expected}; ignored", callSid, callId, call.ProviderCallId);
            return null;
        }

        return call;
    }
}
