using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.LocalApi.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary>
/// A call's recording as an 8 kHz two-channel WAV, with <c>Range</c> (206; a range outside the file is 416 in the
/// error envelope): by the call with a key, or by an unexpired public link without one.
/// </summary>
public static class RecordingEndpoints
{
    public const string ContentType = "audio/wav";

    public static IEndpointRouteBuilder MapRecordings(this IEndpointRouteBuilder api)
    {
        api.MapGet("/calls/{id}/recording", ByCallAsync).WithTags("Calls");
        api.MapGet("/recordings/{file}", ByLinkAsync).WithTags("Calls").AllowWithoutKey();
        return api;
    }

    private static async Task<IResult> ByCallAsync(string id, HttpContext context, CallRecordings recordings)
    {
        var recording = await recordings.FindAsync(context.Caller().OrgId, id, context.RequestAborted)
            ?? throw ApplianceException.NotFound("Recording", "id");
        return Serve(context, recordings, recording);
    }

    private static async Task<IResult> ByLinkAsync(string file, HttpContext context, CallRecordings recordings, TimeProvider time)
    {
        var recording = file.EndsWith(".wav", StringComparison.Ordinal)
            ? await recordings.FindByTokenAsync(file[..^4], time.GetUtcNow(), context.RequestAborted)
            : null;
        return recording is null
            ? throw new ApplianceException(ErrorKind.NotFound, "This recording link is unknown or has expired; GET the call again for a fresh one")
            : Serve(context, recordings, recording);
    }

    private static IResult Serve(HttpContext context, CallRecordings recordings, StoredRecording recording)
    {
        var file = new FileInfo(recordings.FullPath(recording));
        if (!file.Exists)
        {
            throw ApplianceException.NotFound("Recording", "id");
        }

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
