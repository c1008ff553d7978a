using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.LocalApi.OpenApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary>
/// A call's recording as an 8 kHz two-channel WAV, with <c>Range</c> (206; a range outside the file is 416 in the
/// error envelope): by the call with a key, or by an unexpired public link without one. A file in another node's data
/// folder is fetched from that node (<see cref="RecordingFromPeer"/>).
/// </summary>
public static class RecordingEndpoints
{
    public const string ContentType = "audio/wav";

    public static IEndpointRouteBuilder MapRecordings(this IEndpointRouteBuilder api)
    {
        api.MapGet("/calls/{id}/recording", ByCallAsync).WithTags("Calls")
            .Produces<byte[]>(StatusCodes.Status200OK, ContentType).Produces<byte[]>(StatusCodes.Status206PartialContent, ContentType).WithErrors(416)
            .WithSummary("Download a call's recording")
            .WithDescription("The recording of a call whose playbook has record set, once call.recording_ready was emitted: audio/wav, 8 kHz 16-bit PCM, two channels (1: what the appliance said, 2: the callee), from answer to hang-up. Supports Range (206); a range outside the file is 416. 404 when the call has no recording, it was deleted by retention or the contact's erasure, or the call belongs to another org.");
        api.MapGet("/recordings/{file}", ByLinkAsync).WithTags("Calls").AllowWithoutKey()
            .Produces<byte[]>(StatusCodes.Status200OK, ContentType).Produces<byte[]>(StatusCodes.Status206PartialContent, ContentType).WithErrors(416)
            .WithSummary("Download a recording by its public link")
            .WithDescription("The recording_url a call carries when Api:PublicBaseUrl is set: {token}.wav, no API key needed, valid for Recordings:LinkLifetime (7 days by default); GET the call for a fresh link. Range as for the call's recording. 404 when the link is unknown or expired.");
        return api;
    }

    private static async Task<IResult> ByCallAsync(string id, HttpContext context, CallRecordings recordings, RecordingFromPeer peer)
    {
        var recording = await recordings.FindAsync(context.Caller().OrgId, id, context.RequestAborted)
            ?? throw ApplianceException.NotFound("Recording", "id");
        return await ServeAsync(context, recordings, peer, recording);
    }

    private static async Task<IResult> ByLinkAsync(string file, HttpContext context, CallRecordings recordings, RecordingFromPeer peer, TimeProvider time)
    {
        var recording = file.EndsWith(".wav", StringComparison.Ordinal)
            ? await recordings.FindByTokenAsync(file[..^4], time.GetUtcNow(), context.RequestAborted)
            : null;
        return recording is null
            ? throw new ApplianceException(ErrorKind.NotFound, "This recording link is unknown or has expired; GET the call again for a fresh one")
            : await ServeAsync(context, recordings, peer, recording);
    }

    /// <summary>The file from this node's data folder, or as the node holding it answers.</summary>
    private static async Task<IResult> ServeAsync(HttpContext context, CallRecordings recordings, RecordingFromPeer peer, StoredRecording recording)
    {
        var file = new FileInfo(recordings.FullPath(recording));
        return file.Exists
            ? FromThisNode(context, file, recording)
            : await RelayedRecording.FetchAsync(peer, context, recording) ?? throw ApplianceException.NotFound("Recording", "id");
    }

    /// <summary>The file in this node's data folder, whole or the range asked for.</summary>
    internal static IResult FromThisNode(HttpContext context, FileInfo file, StoredRecording recording)
    {
        if (!RangeIsSatisfiable(context.Request.Headers.Range, file.Length))
        {
            context.Response.Headers.ContentRange = $"bytes */{file.Length}";
            return Results.StatusCode(StatusCodes.Status416RangeNotSatisfiable);
        }

        return Results.File(file.FullName, ContentType, $"{recording.CallId}.wav", enableRangeProcessing: true);
    }

    /// <summary>No Range header, or one ASP.NET can serve: a bytes range that starts inside the file.</summary>
    private static bool RangeIsSatisfiable(string? header, long length)
    {
        if (string.IsNullOrEmpty(header))
        {
            return true;
        }

        if (!RangeHeaderValue.TryParse(header, out var range) || !string.Equals(range.Unit.Value, "bytes", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return range.Ranges.Count > 0 && range.Ranges.All(r =>
            r.From is { } from ? from < length && (r.To is null || r.To >= from) : r.To is > 0);
    }
}
