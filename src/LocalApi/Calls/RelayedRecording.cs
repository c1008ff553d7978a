using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Dialer.Recording;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary>A recording on another node, fetched with this request's Range and relayed as that node answers.</summary>
public sealed class RelayedRecording(PeerRecording answer) : IResult
{
    public static async Task<IResult?> FetchAsync(RecordingFromPeer peer, HttpContext context, StoredRecording recording) =>
        await peer.FetchAsync(recording, name => context.Request.Headers[name] is { Count: > 0 } values ? values.ToString() : null, context.RequestAborted) is { } answer
            ? new RelayedRecording(answer)
            : null;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using (answer)
        {
            await answer.CopyToAsync(status => httpContext.Response.StatusCode = status, (name, values) => httpContext.Response.Headers[name] = values,
                httpContext.Response.Body, httpContext.RequestAborted);
        }
    }
}
