using System.Globalization;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The <c>twilio</c> provider: places each call with <c>POST …/Calls.json</c> (To, From, the playbook as TwiML,
/// TimeLimit = the effective maximum, Timeout = the ring timeout), at most <c>Dialer:Twilio:CallsPerSecond</c>
/// a second. Progress arrives as signed status callbacks when <c>Api:PublicBaseUrl</c> is set, else by polling.
/// </summary>
public sealed class TwilioTelephonyProvider(
    TwilioClient client,
    IOptions<TwilioOptions> options,
    TwilioCallRegistry registry,
    CallsPerSecondGate gate,
    TwilioCallPoller poller,
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
        var audioToken = publicBase is not null && plan.Playbook.AudioPath is not null ? TwilioCallLinks.NewAudioToken() : null;
        var links = publicBase is null ? null : TwilioCallLinks.For(publicBase, plan.CallId, audioToken);
        var call = new TwilioCall(plan, progress, links, client, registry, time, logger);

        var form = CallForm(plan, links, out var refusal);
        if (refusal is not null)
        {
            await progress.EndedAsync(refusal, cancellationToken);
            return call;
        }

        // Registered before the POST: Twilio may call back before it answers the POST.
        registry.Add(call);
        TwilioCallResource created;
        try
        {
            await gate.WaitAsync(cancellationToken);
            created = await client.CreateCallAsync(form, cancellationToken);
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
        logger.LogInformation("Call {CallId} to {To} placed with Twilio as {CallSid} ({Status})", plan.CallId, Redact.PhoneNumber(plan.ToE164), created.Sid, created.Status);
        await call.ApplyAsync(created.Status, null, cancellationToken);
        if (call.State != TwilioProgress.Ended)
        {
            poller.Track(call);
        }

        return call;
    }

    private List<KeyValuePair<string, string>> CallForm(CallPlan plan, TwilioCallLinks? links, out CallEnd? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(plan.FromE164))
        {
            refusal = new CallEnd(CallOutcome.Failed, TwilioStatusMap.InvalidCallerId,
                Detail: "no caller id: give the call a from_e164 or the org a default caller id (a Twilio number or verified caller id)");
            return [];
        }

        var ring = Math.Clamp((int)Math.Ceiling(plan.RingTimeout.TotalSeconds), 1, MaxRingTimeoutSeconds);
        var limit = Math.Max(1, (int)Math.Ceiling(plan.EffectiveMaxDuration.TotalSeconds));
        var form = new List<KeyValuePair<string, string>>
        {
            new("To", plan.ToE164),
            new("From", plan.FromE164),
            new("Timeout", ring.ToString(CultureInfo.InvariantCulture)),
            new("TimeLimit", limit.ToString(CultureInfo.InvariantCulture)),
        };

        var (twiml, shortened) = TwimlRenderer.FitInline(plan, new TwimlLinks(links?.GatherAction, links?.Audio));
        if (links is not null && (shortened || twiml.Length > TwimlRenderer.MaxInlineLength))
        {
            // Too long to pass inline: Twilio fetches it from the appliance (signed) when the callee answers.
            form.Add(new("Url", links.Twiml));
            form.Add(new("Method", "POST"));
        }
        else if (twiml.Length > TwimlRenderer.MaxInlineLength)
        {
            refusal = new CallEnd(CallOutcome.Failed, TwilioStatusMap.PlaybookTooLong,
                Detail: $"the playbook renders to {twiml.Length} characters of TwiML, over Twilio's {TwimlRenderer.MaxInlineLength}; shorten the disclosure or set Api:PublicBaseUrl");
            return form;
        }
        else
        {
            if (shortened)
            {
                logger.LogWarning("Call {CallId}: the message text was shortened to fit Twilio's {Max} characters of inline TwiML; set Api:PublicBaseUrl to play it whole",
                    plan.CallId, TwimlRenderer.MaxInlineLength);
            }

            form.Add(new("Twiml", twiml));
        }

        if (links is not null)
        {
            form.Add(new("StatusCallback", links.StatusCallback));
            form.Add(new("StatusCallbackMethod", "POST"));
            foreach (var statusEvent in (string[])["initiated", "ringing", "answered", "completed"])
            {
                form.Add(new("StatusCallbackEvent", statusEvent));
            }

            if (options.Value.MachineDetection)
            {
                // Asynchronous, so a person hears the playbook at once; a machine's verdict arrives on its own.
                form.Add(new("MachineDetection", plan.Playbook.Voicemail == TwilioCall.LeaveMessage ? "DetectMessageEnd" : "Enable"));
                form.Add(new("AsyncAmd", "true"));
                form.Add(new("AsyncAmdStatusCallback", links.MachineDetection));
                form.Add(new("AsyncAmdStatusCallbackMethod", "POST"));
            }
        }

        return form;
    }
}
