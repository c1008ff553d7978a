using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Speech;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.Contacts;
using Cualify.Appliance.LocalApi.Idempotency;
using Cualify.Appliance.LocalApi.Json;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Playbooks;

/// <summary><c>/playbooks</c>: what the dialer plays and how it reacts (the <c>agent_id</c> of a call).</summary>
public static class PlaybookEndpoints
{
    public static IEndpointRouteBuilder MapPlaybooks(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/playbooks").WithTags("Playbooks");
        group.MapPost("/", CreateAsync).WithIdempotency()
            .WithSummary("Create a playbook")
            .WithDescription("What a call says and does: the disclosure (always spoken first), the message (or an uploaded prompt), DTMF actions (`{\"1\":\"handoff\",\"9\":\"opt_out\"}`), the handoff target, what to do on voicemail, and the maximum duration. Its id is the agent_id of a call. With `agent` ({stream_url, auth_token?, parameters?}) the conversation is handed, after the recording notice and disclosure, to a voice agent over a Twilio-Media-Streams WebSocket (wss://; ws:// only to loopback or hosts in Dialer:AgentStreamAllowWsHosts); auth_token is write-only, stored encrypted, and shown only as auth_token_set.");
        group.MapGet("/", ListAsync)
            .WithSummary("List playbooks")
            .WithDescription("The org's playbooks, newest first.");
        group.MapGet("/{id}", GetAsync)
            .WithSummary("Get a playbook")
            .WithDescription("One playbook with its uploaded audio, if any.");
        group.MapPatch("/{id}", UpdateAsync).AcceptsPartial<CreatePlaybookRequest>()
            .WithSummary("Change a playbook")
            .WithDescription("Send only the fields to change, with the names and types of Create a playbook; null clears an optional field.");
        group.MapDelete("/{id}", DeleteAsync).WithErrors(409)
            .WithSummary("Delete a playbook")
            .WithDescription("Deletes the playbook; calls already placed keep their history.");
        group.MapPost("/{id}/audio", UploadAudioAsync)
            .Accepts<IFormFile>("multipart/form-data", "audio/wav").WithErrors(400, 413, 422)
            .WithSummary("Upload a prompt")
            .WithDescription("Upload a PCM WAV prompt (8-, 16-, 24- or 32-bit, 1 to 8 channels, 1 to 48 kHz, up to 10 minutes) as the request body (audio/wav) or as a multipart file; it is converted to 8 kHz mono G.711 and replaces the spoken message_text. The disclosure is still spoken first.");
        group.MapGet("/{id}/preview", PreviewAsync).Produces<byte[]>(StatusCodes.Status200OK, "audio/wav")
            .WithSummary("Preview a playbook")
            .WithDescription("What a SIP callee hears, as audio/wav (8 kHz, 16-bit PCM, mono): on a playbook with record set the org's recording_notice, then the spoken disclosure, then the uploaded prompt or else the spoken message.");
        return api;
    }

    private static async Task<Created<DataOf<PlaybookView>>> CreateAsync(CreatePlaybookRequest request, HttpContext context, PlaybookStore playbooks)
    {
        var playbook = await playbooks.CreateAsync(context.Caller().OrgId, request.ToInput(), context.RequestAborted);
        return TypedResults.Created($"/api/v1/playbooks/{playbook.Id}", Envelopes.Wrap(PlaybookView.From(playbook, null)));
    }

    private static async Task<Ok<ListOf<PlaybookView>>> ListAsync([AsParameters] PageQuery query, HttpContext context, PlaybookStore playbooks)
    {
        var page = await playbooks.ListAsync(context.Caller().OrgId, query.ToPage(), context.RequestAborted);
        var views = new List<PlaybookView>();
        foreach (var playbook in page.Items)
        {
            views.Add(PlaybookView.From(playbook, await playbooks.AudioAsync(playbook.AudioId, context.RequestAborted)));
        }

        return TypedResults.Ok(ListOf<PlaybookView>.From(new Cualify.Appliance.Core.Paging.Page<PlaybookView>(views, page.Request, page.Total)));
    }

    private static async Task<Ok<DataOf<PlaybookView>>> GetAsync(string id, HttpContext context, PlaybookStore playbooks)
    {
        var playbook = await playbooks.GetAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Playbook", "id");
        return TypedResults.Ok(Envelopes.Wrap(PlaybookView.From(playbook, await playbooks.AudioAsync(playbook.AudioId, context.RequestAborted))));
    }

    private static async Task<Ok<DataOf<PlaybookView>>> UpdateAsync(string id, [FromBody] JsonObject body, HttpContext context, PlaybookStore playbooks)
    {
        var playbook = await playbooks.UpdateAsync(context.Caller().OrgId, id, PlaybookPatch.Parse(body), context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(PlaybookView.From(playbook, await playbooks.AudioAsync(playbook.AudioId, context.RequestAborted))));
    }

    private static async Task<Ok<DataOf<DeletedView>>> DeleteAsync(string id, HttpContext context, PlaybookStore playbooks)
    {
        await playbooks.DeleteAsync(context.Caller().OrgId, id, context.RequestAborted);
        return TypedResults.Ok(Envelopes.Wrap(new DeletedView(id, true)));
    }

    private static async Task<Created<DataOf<PlaybookView>>> UploadAudioAsync(string id, HttpContext context, PlaybookAudioStore audio)
    {
        var wav = await ReadUploadAsync(context);
        var (playbook, stored) = await audio.UploadAsync(context.Caller().OrgId, id, wav, context.RequestAborted);
        return TypedResults.Created($"/api/v1/playbooks/{playbook.Id}", Envelopes.Wrap(PlaybookView.From(playbook, stored)));
    }

    private static async Task<FileContentHttpResult> PreviewAsync(string id, HttpContext context, PlaybookStore playbooks, HeardPrompts heard)
    {
        var playbook = await playbooks.GetAsync(context.Caller().OrgId, id, context.RequestAborted) ?? throw ApplianceException.NotFound("Playbook", "id");
        try
        {
            var wav = await heard.PreviewWavAsync(playbook, await playbooks.AudioAsync(playbook.AudioId, context.RequestAborted), context.RequestAborted);
            return TypedResults.File(wav, PcmWav.ContentType, $"{playbook.Id}-preview.wav");
        }
        catch (SpeechException ex)
        {
            throw ApplianceException.Conflict($"The playbook's texts cannot be spoken: {ex.Message}");
        }
    }

    /// <summary>The WAV bytes: the first file of a multipart form, or the raw body.</summary>
    private static async Task<byte[]> ReadUploadAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = PlaybookAudioStore.MaxUploadBytes;
        }

        var request = context.Request;
        using var buffer = new MemoryStream();
        if (request.HasFormContentType)
        {
            var form = await ReadMultipartAsync(request);
            var file = form.Files.FirstOrDefault() ?? throw new FieldErrors().Add("file", "The multipart form holds no file; send the WAV as a file field").ToException();
            await using var upload = file.OpenReadStream();
            await upload.CopyToAsync(buffer, context.RequestAborted);
        }
        else
        {
            await request.Body.CopyToAsync(buffer, context.RequestAborted);
        }

        if (buffer.Length == 0)
        {
            throw new FieldErrors().Add("file", "The upload is empty; send a PCM WAV file as the body or as a multipart file").ToException();
        }

        return buffer.ToArray();
    }

    /// <summary>A form without a boundary or with a cut-off part is the client's mistake, not a crash.</summary>
    private static async Task<IFormCollection> ReadMultipartAsync(HttpRequest request)
    {
        try
        {
            return await request.ReadFormAsync(request.HttpContext.RequestAborted);
        }
        catch (Exception error) when (error is InvalidDataException or IOException && error is not BadHttpRequestException
                                      && !request.HttpContext.RequestAborted.IsCancellationRequested)
        {
            throw ApplianceException.BadRequest($"The multipart body cannot be read ({error.Message.TrimEnd('.')}); send one well-formed multipart/form-data part holding the WAV file", "file");
        }
    }
}
