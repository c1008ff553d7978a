using Cualify.Appliance.Core.Api;
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
/// <c>Api:PublicBaseUrl</c>, so a proxy in front changes nothing) and the POSTed parameters.
/// </summary>
public sealed class TwilioCallbacks(
    TwilioCallRegistry registry, TwilioStoredCallStatus stored, TwilioRecordingFetcher recordings, IOptions<TwilioOptions> options, IOptions<ApiOptions> api,
    ILogger<TwilioCallbacks> logger)
{
    public const string TwimlContentType = "application/xml; charset=utf-8";

    /// <summary>Throws <c>403 forbidden</c> (<c>invalid_signature</c>) unless Twilio signed this request.</summary>
    public void Verify(string callId, TwilioCallbackKind kind, string queryString, IReadOnlyDictionary<string, string> form, string? signature)
    {
        var publicBase = api.Value.PublicBase
            ?? throw new ApplianceException(ErrorKind.NotFound, "Twilio callbacks are off: Api:PublicBaseUrl is not set");
        var links = TwilioCallLinks.For(publicBase, callId, null);
        var url = kind switch
        {
            TwilioCallbackKind.Status => links.StatusCallback,
            TwilioCallbackKind.Gather => links.GatherAction,
            TwilioCallbackKind.Machine => links.MachineDetection,
            TwilioCallbackKind.Recording => links.RecordingStatus,
            _ => links.Twiml,
        } + queryString;
        if (!TwilioSignature.IsValid(options.Value.AuthToken ?? "", url, form, signature))
        {
            logger.LogWarning("Refused a Twilio {Kind} request for call {CallId}: {Problem}", kind, callId, string.IsNullOrEmpty(signature) ? "no signature" : "the signature does not match");
            throw ApplianceException.Forbidden("invalid_signature", $"The {TwilioSignature.Header} header is missing or does not sign this request");
        }
    }

    /// <summary>
    /// A status callback: <c>CallStatus</c> moves the call forward; a final one's <c>CallDuration</c> is what is billed.
    /// A call another node placed is moved in the store (<see cref="TwilioStoredCallStatus"/>).
    /// </summary>
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
    public async Task<string> GatherAsync(string callId, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        if (Adopt(callId, form) is not { } call)
        {
            return TwimlRenderer.Hangup();
        }

        return await call.GatherAsync(form.GetValueOrDefault("Digits"), cancellationToken);
    }

    /// <summary>Answering-machine detection's verdict (<c>AnsweredBy</c>).</summary>
    public async Task MachineAsync(string callId, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        if (Adopt(callId, form) is { } call)
        {
            await call.AnsweredByAsync(form.GetValueOrDefault("AnsweredBy"), cancellationToken);
        }
    }

    /// <summary>The recording status callback: a completed recording of an ended call is downloaded into the store.</summary>
    public Task RecordingAsync(string callId, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken) =>
        recordings.RecordingStatusAsync(callId, form, cancellationToken);

    /// <summary>The whole playbook, for calls whose TwiML was too long to send inline.</summary>
    public string Twiml(string callId, IReadOnlyDictionary<string, string> form) =>
        Adopt(callId, form) is { } call
            ? TwimlRenderer.Playbook(call.Plan, new TwimlLinks(call.Links?.GatherAction, call.Links?.Audio))
            : TwimlRenderer.Hangup();

    /// <summary>The prompt of the live call holding <paramref name="token"/>, as WAV; null when there is none.</summary>
    public async Task<byte[]?> AudioAsync(string token, CancellationToken cancellationToken)
    {
        if (registry.FindByAudioToken(token) is not { Plan.Playbook.AudioPath: { } path } || !File.Exists(path))
        {
            return null;
        }

        return PromptWav.FromUlaw(await File.ReadAllBytesAsync(path, cancellationToken));
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
