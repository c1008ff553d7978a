using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Recordings;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.LocalApi.Calls;

/// <summary>
/// A recording whose file is in another node's data folder (SPEC §9: the node that recorded or downloaded it) is
/// fetched from that node — same path, query, <c>Authorization</c> and <c>Range</c>, at the address it published in
/// <c>nodes</c> — and streamed back as that node answers. The owner checks the key or link itself and, seeing
/// <see cref="PeerNodes.ForwardedHeader"/>, never passes the request on again.
/// </summary>
public sealed class RecordingFromPeer(HttpClient http, PeerNodes peers, ClusterNode node, ILogger<RecordingFromPeer> logger)
{
    public const string HttpClientName = "recording-peers";

    /// <summary>How long the owner has to start answering; the body then streams for as long as it takes.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] RequestHeaders = ["Authorization", "Range", "If-Range"];

    /// <summary>The owner's answer to relay, or null when the file is not another live node's to give.</summary>
    public async Task<IResult?> FetchAsync(HttpContext context, StoredRecording recording)
    {
        if (recording.NodeId is not { } nodeId || nodeId == node.Id || context.Request.Headers.ContainsKey(PeerNodes.ForwardedHeader))
        {
            return null;
        }

        if (await peers.LiveAsync(nodeId, context.RequestAborted) is not { Base: { } peerBase })
        {
            logger.LogWarning("The recording of call {CallId} is on node {Node}, which is not running or published no Cluster:NodeUrl", recording.CallId, nodeId);
            return null;
        }

        var path = (context.Request.PathBase + context.Request.Path).Value!.TrimStart('/') + context.Request.QueryString.Value;
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peerBase, path));
        foreach (var name in RequestHeaders)
        {
            if (context.Request.Headers[name] is { Count: > 0 } values)
            {
                request.Headers.TryAddWithoutValidation(name, values.ToString());
            }
        }

        request.Headers.Add(PeerNodes.ForwardedHeader, node.Id);
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        headers.CancelAfter(HeadersTimeout);
        try
        {
            var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            return new RelayedResponse(request, response);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            request.Dispose();
            logger.LogWarning("Node {Node}, which holds the recording of call {CallId}, did not answer ({Detail})", nodeId, recording.CallId, ex.Message);
            return null;
        }
    }

    /// <summary>The owner's status, content headers and body, copied as they come.</summary>
    private sealed class RelayedResponse(HttpRequestMessage request, HttpResponseMessage response) : IResult
    {
        private static readonly string[] ContentHeaders = ["Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "Last-Modified"];
        private static readonly string[] ResponseHeaders = ["Accept-Ranges", "ETag"];

        private static void Copy(System.Net.Http.Headers.HttpHeaders from, string[] names, IHeaderDictionary to)
        {
            foreach (var name in names)
            {
                if (from.TryGetValues(name, out var values))
                {
                    to[name] = values.ToArray();
                }
            }
        }

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            using (request)
            using (response)
            {
                httpContext.Response.StatusCode = (int)response.StatusCode;
                Copy(response.Content.Headers, ContentHeaders, httpContext.Response.Headers);
                Copy(response.Headers, ResponseHeaders, httpContext.Response.Headers);

                await using var body = await response.Content.ReadAsStreamAsync(httpContext.RequestAborted);
                await body.CopyToAsync(httpContext.Response.Body, httpContext.RequestAborted);
            }
        }
    }
}
