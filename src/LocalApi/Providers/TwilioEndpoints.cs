using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.LocalApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Providers;

/// <summary>
/// Twilio's way back into the appliance, under <c>/api/v1/providers/twilio</c>: status and recording callbacks, the
/// Gather action, long TwiML and the prompt audio. No API key: the first three are verified by
/// <c>X-Twilio-Signature</c> (403 when missing or wrong) over a form read within <see cref="TwilioForm"/>'s bounds,
/// the audio is named by an unguessable per-call token. A request for a call another live node placed is answered by
/// that node (<see cref="TwilioCallForwarding"/>).
/// </summary>
public static class TwilioEndpoints
{
    /// <summary>Twilio sends a few requests per call from a handful of addresses; the anonymous default is too low.</summary>
    public const int CallbacksPerMinutePerAddress = 6_000;

    public static IEndpointRouteBuilder MapTwilioCallbacks(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup(TwilioCallLinks.Prefix)
            .AllowWithoutKey()
            .WithAnonymousRateLimit(CallbacksPerMinutePerAddress)
            .WithTags("Providers")
            .ExcludeFromDescription();
        group.MapPost(TwilioCallLinks.StatusRoute, StatusAsync);
        group.MapPost(TwilioCallLinks.GatherRoute, GatherAsync);
        group.MapPost(TwilioCallLinks.TwimlRoute, TwimlAsync);
        group.MapPost(TwilioCallLinks.MachineRoute, MachineAsync);
        group.MapPost(TwilioCallLinks.RecordingRoute, RecordingAsync);
        group.MapGet(TwilioCallLinks.AudioRoute, AudioAsync);
        return api;
    }

    private static async Task<NoContent> StatusAsync(string callId, HttpRequest request, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var callback = await ReadSignedAsync(request, callId, TwilioCallbackKind.Status, callbacks, cancellationToken);
        await callbacks.StatusAsync(callback, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> MachineAsync(string callId, HttpRequest request, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var callback = await ReadSignedAsync(request, callId, TwilioCallbackKind.Machine, callbacks, cancellationToken);
        await callbacks.MachineAsync(callback, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> RecordingAsync(string callId, HttpRequest request, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var callback = await ReadSignedAsync(request, callId, TwilioCallbackKind.Recording, callbacks, cancellationToken);
        await callbacks.RecordingAsync(callback, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<ContentHttpResult> GatherAsync(string callId, HttpRequest request, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var callback = await ReadSignedAsync(request, callId, TwilioCallbackKind.Gather, callbacks, cancellationToken);
        return TypedResults.Text(await callbacks.GatherAsync(callback, cancellationToken), TwilioCallbacks.TwimlContentType);
    }

    private static async Task<ContentHttpResult> TwimlAsync(string callId, HttpRequest request, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var callback = await ReadSignedAsync(request, callId, TwilioCallbackKind.Twiml, callbacks, cancellationToken);
        return TypedResults.Text(await callbacks.TwimlAsync(callback, cancellationToken), TwilioCallbacks.TwimlContentType);
    }

    private static async Task<FileContentHttpResult> AudioAsync(string token, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var wav = await callbacks.AudioAsync(token, cancellationToken)
                  ?? throw new ApplianceException(ErrorKind.NotFound, "No prompt at this address (it is served only while its call is live)");
        return TypedResults.File(wav, PromptWav.ContentType);
    }

    /// <summary>The request as it arrived, once its signature is checked: a forwarded one is checked again here, by the node that placed the call.</summary>
    private static async Task<TwilioCallbackRequest> ReadSignedAsync(
        HttpRequest request, string callId, TwilioCallbackKind kind, TwilioCallbacks callbacks, CancellationToken cancellationToken)
    {
        var form = await TwilioForm.ReadAsync(request, cancellationToken);
        var forwardedBy = request.Headers[TwilioCallForwarding.Header].ToString();
        var callback = new TwilioCallbackRequest(callId, kind, request.QueryString.Value ?? "", form, request.Headers[TwilioSignature.Header].ToString(),
            forwardedBy.Length == 0 ? null : forwardedBy);
        callbacks.Verify(callback);
        return callback;
    }
}
