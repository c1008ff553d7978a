using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Dialer.Recording;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary>
/// Where another node of the store fetches a recording whose file is in this node's folder (<see cref="RecordingFromPeer"/>):
/// outside <c>/api/v1</c>, answered only to a fresh signature of a node of this store, and never passed on again.
/// The asking node has checked its caller; this one checks only the signature.
/// </summary>
public static class PeerRecordingEndpoint
{
    public static IEndpointRouteBuilder MapPeerRecordings(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(RecordingFromPeer.Route, Serve).ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> Serve(string orgId, string callId, HttpContext context, NodeRequestSigner signer, CallRecordings recordings)
    {
        if (signer.Verify("GET", RecordingFromPeer.PathOf(orgId, callId), context.Request.Headers[NodeRequestSigner.Header]) is null)
        {
            throw new ApplianceException(ErrorKind.Unauthorized, "This path is for the nodes of one store; it needs a fresh node signature");
        }

        var recording = await recordings.FindAsync(orgId, callId, context.RequestAborted);
        var file = recording is null ? null : new FileInfo(recordings.FullPath(recording));
        return file is { Exists: true }
            ? RecordingEndpoints.FromThisNode(context, file, recording!)
            : throw ApplianceException.NotFound("Recording", "id");
    }
}
