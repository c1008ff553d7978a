using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Speech;
using Cualify.Appliance.OperatorConsole.Actions;
using Cualify.Appliance.OperatorConsole.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Playbooks;

/// <summary>Playbooks' actions (create, save, upload a prompt) and the preview the page's player loads, through the API's Core services.</summary>
public static class PlaybookEndpoints
{
    public const string CreatePath = ConsolePaths.Playbooks + "/create";

    public static string PagePath(string id) => $"{ConsolePaths.Playbooks}/{Uri.EscapeDataString(id)}";

    public static string SavePath(string id) => PagePath(id) + "/save";

    public static string AudioPath(string id) => PagePath(id) + "/audio";

    public static string PreviewPath(string id) => PagePath(id) + "/preview";

    public static RouteGroupBuilder MapPlaybookActions(this RouteGroupBuilder console)
    {
        console.MapPost("/playbooks/create", CreateAsync);
        console.MapPost("/playbooks/{id}/save", SaveAsync);
        console.MapPost("/playbooks/{id}/audio", UploadAsync);
        return console;
    }

    /// <summary>A GET for the page's audio player (read scope, behind the gate like every console address).</summary>
    public static IEndpointRouteBuilder MapPlaybookPreview(this IEndpointRouteBuilder app)
    {
        app.MapGet(ConsolePaths.Playbooks + "/{id}/preview", PreviewAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, PlaybookStore playbooks)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var playbook = await playbooks.CreateAsync(context.RequireConsoleSession().OrgId, PlaybookForm.Read(form, isEdit: false), context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(playbook.Id));
    }

    private static async Task<IResult> SaveAsync(string id, HttpContext context, PlaybookStore playbooks)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        await playbooks.UpdateAsync(context.RequireConsoleSession().OrgId, id, PlaybookForm.Read(form, isEdit: true), context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id) + "?saved=1");
    }

    private static async Task<IResult> UploadAsync(string id, HttpContext context, PlaybookAudioStore audio)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form.Files.GetFile("file") is not { Length: > 0 } file)
        {
            throw new FieldErrors().Add("file", "Choose a PCM WAV file to upload").ToException();
        }

        using var buffer = new MemoryStream();
        await using (var upload = file.OpenReadStream())
        {
            await upload.CopyToAsync(buffer, context.RequestAborted);
        }

        await audio.UploadAsync(context.RequireConsoleSession().OrgId, id, buffer.ToArray(), context.RequestAborted);
        return ConsoleActions.SeeOther(PagePath(id) + "?uploaded=1");
    }

    private static async Task<IResult> PreviewAsync(string id, HttpContext context, PlaybookStore playbooks, HeardPrompts heard)
    {
        var session = context.RequireConsoleSession();
        if (!session.May(Scope.Read))
        {
            return ConsoleActions.Refusal(StatusCodes.Status403Forbidden, "This needs a key with read scope.");
        }

        var playbook = await playbooks.GetAsync(session.OrgId, id, context.RequestAborted);
        if (playbook is null)
        {
            return ConsoleActions.Refusal(StatusCodes.Status404NotFound, "No such playbook in this org.");
        }

        try
        {
            var wav = await heard.PreviewWavAsync(playbook, await playbooks.AudioAsync(playbook.AudioId, context.RequestAborted), context.RequestAborted);
            return Results.File(wav, PcmWav.ContentType);
        }
        catch (SpeechException ex)
        {
            return ConsoleActions.Refusal(StatusCodes.Status409Conflict, $"The playbook's texts cannot be spoken: {ex.Message}");
        }
    }
}
