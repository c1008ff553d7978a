using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Privacy;
using System.Globalization;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;
using TwilioHttpMethod = Twilio.Http.HttpMethod;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The <c>twilio</c> provider: places each call through the SDK's <see cref="CallResource"/> (To, From, the playbook as TwiML,
/// TimeLimit = the effective maximum, Timeout = the ring timeout), at most <c>Dialer:Twilio:CallsPerSecond</c>
/// a second. Progress arrives as signed status callbacks when <c>Api:PublicBaseUrl</c> is set, else by polling. A playbook
/// that records has Twilio record the call in two channels; <see cref="TwilioRecordingFetcher"/> brings the file home.
/// </summary>
public sealed class TwilioTelephonyProvider(
    TwilioClient client,
    IOptions<TwilioOptions> options,
    TwilioCallRegistry registry,
    CallsPerSecondGate gate,
    TwilioCallPoller poller,
    TwilioRecordingFetcher recordings,
    TwilioAudioTokens audioTokens,
    IOptions<ApiOptions> api,
    TimeProvider time,
    ILogger<TwilioTelephonyProvider> logger) : ITelephonyProvider
{
    public const string ProviderName = "twilio";
    public const int MaxRingTimeoutSeconds = 600;

    public string Name => ProviderName;

    /// <summary>Whether <c>Dialer:Provider</c> names this provider.</summary>
    public static bool IsSelected(IConfiguration configuration) =>
        string.Equals(configuration["Dialer:Provider"], ProviderName, StringComparison.OrdinalIgnoreCase);

    public async Task<IProviderCall> StartAsync(CallPlan plan, ICallProgress progress, CancellationToken cancellationToken)
    {
        var publicBase = api.Value.PublicBase;
        var audioToken = publicBase is not null && plan.Playbook is { AudioPath: not null, AudioId: { } audioId } ? audioTokens.Issue(plan.CallId, audioId) : null;
        var links = publicBase is null ? null : TwilioCallLinks.For(publicBase, plan.CallId, audioToken);
        var call = new TwilioCall(plan, progress, links, client, registry, time, logger);

        var create = CallOptions(plan, links, out var refusal);
        if (refusal is not null)
        {
            await progress.EndedAsync(refusal, cancellationToken);
            return call;
        }

        // Registered before the POST: Twilio may call back before it answers the POST.
        registry.Add(call);
        CallResource created;
        try
        {
            await gate.WaitAsync(cancellationToken);
            created = await client.CreateCallAsync(create!, cancellationToken);
        }
        catch (TwilioApiException ex)
        {
            registry.Remove(call);
            logger.LogWarning("Call {CallId} to {To}: Twilio refused it: {Error}", plan.CallId, Redact.PhoneNumber(plan.ToE164), ex.Message);
            await progress.EndedAsync(TwilioStatusMap.EndOf(ex), cancellationToken);
            return call;
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            registry.Remove(call);
            logger.LogWarning("Call {CallId} to {To}: no answer from Twilio: {Error}", plan.CallId, Redact.PhoneNumber(plan.ToE164), ex.Message);
            await progress.EndedAsync(TwilioStatusMap.EndOfUnanswered(ex), cancellationToken);
            return call;
        }
        catch
        {
            registry.Remove(call);
            throw;
        }

        call.Placed(created.Sid);
        logger.LogInformation("Call {CallId} to {To} placed with Twilio as {CallSid} ({Status})", plan.CallId, Redact.PhoneNumber(plan.ToE164), created.Sid, created.Status?.ToString());
        if (plan.Playbook.RecordingFile is not null)
        {
            await recordings.ExpectAsync(plan, created.Sid, cancellationToken);
        }

        await call.ApplyAsync(TwilioCallReport.Of(created), cancellationToken);
        if (call.State != TwilioProgress.Ended)
        {
            poller.Track(call);
        }

        return call;
    }

    private CreateCallOptions? CallOptions(CallPlan plan, TwilioCallLinks? links, out CallEnd? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(plan.FromE164))
        {
            refusal = new CallEnd(CallOutcome.Failed, TwilioStatusMap.InvalidCallerId,
                Detail: "no caller id: give the call a from_e164 or the org a default caller id (a Twilio number or verified caller id)");
            return null;
        }

        var call = new CreateCallOptions(new PhoneNumber(plan.ToE164), new PhoneNumber(plan.FromE164))
        {
            Timeout = Math.Clamp((int)Math.Ceiling(plan.RingTimeout.TotalSeconds), 1, MaxRingTimeoutSeconds),
            TimeLimit = Math.Max(1, (int)Math.Ceiling(plan.EffectiveMaxDuration.TotalSeconds)),
        };

        var (twiml, shortened) = TwimlRenderer.FitInline(plan, new TwimlLinks(links?.GatherAction, links?.Audio));
        if (links is not null && (shortened || twiml.Length > TwimlRenderer.MaxInlineLength))
        {
            // Too long to pass inline: Twilio fetches it from the appliance (signed) when the callee answers.
            call.Url = new Uri(links.Twiml);
            call.Method = TwilioHttpMethod.Post;
        }
        else if (twiml.Length > TwimlRenderer.MaxInlineLength)
        {
            refusal = new CallEnd(CallOutcome.Failed, TwilioStatusMap.PlaybookTooLong,
                Detail: $"the playbook renders to {twiml.Length} characters of TwiML, over Twilio's {TwimlRenderer.MaxInlineLength}; shorten the disclosure or set Api:PublicBaseUrl");
            return null;
        }
        else
        {
            if (shortened)
            {
                logger.LogWarning("Call {CallId}: the message text was shortened to fit Twilio's {Max} characters of inline TwiML; set Api:PublicBaseUrl to play it whole",
                    plan.CallId, TwimlRenderer.MaxInlineLength);
            }

            call.Twiml = twiml;
        }

        if (plan.Playbook.RecordingFile is not null)
        {
            // Both directions, each on its own channel; without a public URL the recording is found by listing the call's recordings.
            call.Record = true;
            call.RecordingChannels = "dual";
            if (links is not null)
            {
                call.RecordingStatusCallback = links.RecordingStatus;
                call.RecordingStatusCallbackMethod = TwilioHttpMethod.Post;
                call.RecordingStatusCallbackEvent = ["completed"];
            }
        }

        if (links is not null)
        {
            call.StatusCallback = new Uri(links.StatusCallback);
            call.StatusCallbackMethod = TwilioHttpMethod.Post;
            call.StatusCallbackEvent = ["initiated", "ringing", "answered", "completed"];
            if (options.Value.MachineDetection)
            {
                // Asynchronous, so a person hears the playbook at once; a machine's verdict arrives on its own.
                call.MachineDetection = plan.Playbook.Voicemail == TwilioCall.LeaveMessage ? "DetectMessageEnd" : "Enable";
                call.AsyncAmd = "true";
                call.AsyncAmdStatusCallback = new Uri(links.MachineDetection);
                call.AsyncAmdStatusCallbackMethod = TwilioHttpMethod.Post;
            }
        }

        return call;
    }
}
