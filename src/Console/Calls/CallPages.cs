using System.Globalization;
using Cualify.Appliance.OperatorConsole.Sessions;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Dialer.Recording;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.OperatorConsole.Calls;

/// <summary>Addresses of the Calls pages, and the recording player's source (the session's org only; a file on another node is fetched from it).</summary>
public static class CallPages
{
    public static string PathOf(string callId) => $"{ConsolePaths.Root}/calls/{Uri.EscapeDataString(callId)}";

    public static string RecordingOf(string callId) => PathOf(callId) + "/recording";

    /// <summary>A date filter (<c>yyyy-MM-dd</c>, as a date input sends it) as midnight UTC; anything else is no filter.</summary>
    public static DateTimeOffset? Day(string? value) =>
        DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day)
            ? new DateTimeOffset(day, TimeSpan.Zero)
            : null;

    public static IEndpointRouteBuilder MapCallRecordingPlayback(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ConsolePaths.Root + "/calls/{id}/recording", async (string id, HttpContext context, CallRecordings recordings, RecordingFromPeer peer) =>
        {
            var recording = await recordings.FindAsync(context.RequireConsoleSession().OrgId, id, context.RequestAborted);
            if (recording is not null && await peer.FetchAsync(recording, name => context.Request.Headers[name] is { Count: > 0 } values ? values.ToString() : null, context.RequestAborted) is { } answer)
            {
                using (answer)
                {
                    await answer.CopyToAsync(status => context.Response.StatusCode = status, (name, values) => context.Response.Headers[name] = values,
                        context.Response.Body, context.RequestAborted);
                }

                return Results.Empty;
            }

            var file = recording is null ? null : new FileInfo(recordings.FullPath(recording));
            return file is { Exists: true }
                ? Results.File(file.FullName, "audio/wav", enableRangeProcessing: true)
                : Results.NotFound();
        }).ExcludeFromDescription();
        return routes;
    }
}
