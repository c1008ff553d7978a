using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Recordings;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// A recording whose file is in another node's data folder (SPEC §9: the node that recorded or downloaded it) is
/// fetched from that node's internal path (<see cref="PathOf"/>), signed by this node (<see cref="NodeRequestSigner"/>),
/// with only the caller's <c>Range</c> and <c>If-Range</c>, at the address it published in <c>nodes</c>, to be streamed
/// back as that node answers. This node has already checked the caller (key and its allowlist, link, or console
/// session): the caller's credentials never travel to the other node, which serves its own file and nothing else.
/// </summary>
public sealed class RecordingFromPeer(HttpClient http, PeerNodes peers, ClusterNode node, NodeRequestSigner signer, ILogger<RecordingFromPeer> logger)
{
    public const string HttpClientName = "recording-peers";

    /// <summary>The route of the internal path, for the node that serves it.</summary>
    public const string Route = "/_cluster/recordings/{orgId}/{callId}";

    /// <summary>How long the owner has to start answering; the body then streams for as long as it takes.</summary>
    public static readonly TimeSpan HeadersTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] RequestHeaders = ["Range", "If-Range"];

    /// <summary>The internal path a node serves the recording of <paramref name="callId"/> at, when the file is in its folder.</summary>
    public static string PathOf(string orgId, string callId) => $"/_cluster/recordings/{orgId}/{callId}";

    /// <summary>
    /// The owner's answer, or null when the file is not another live node's to give. <paramref name="header"/> reads
    /// a header of the request being served (null when absent).
    /// </summary>
    public async Task<PeerRecording?> FetchAsync(StoredRecording recording, Func<string, string?> header, CancellationToken cancellationToken)
    {
        if (recording.NodeId is not { } nodeId || nodeId == node.Id)
        {
            return null;
        }

        if (await peers.LiveAsync(nodeId, cancellationToken) is not { Base: { } peerBase })
        {
            logger.LogWarning("The recording of call {CallId} is on node {Node}, which is not running or published no Cluster:NodeUrl", recording.CallId, nodeId);
            return null;
        }

        var path = PathOf(recording.OrgId, recording.CallId);
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(peerBase,
            $"_cluster/recordings/{Uri.EscapeDataString(recording.OrgId)}/{Uri.EscapeDataString(recording.CallId)}"));
        foreach (var name in RequestHeaders)
        {
            if (header(name) is { } value)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        request.Headers.Add(NodeRequestSigner.Header, signer.Sign("GET", path));
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        headers.CancelAfter(HeadersTimeout);
        try
        {
            return new PeerRecording(request, await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token));
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            request.Dispose();
            logger.LogWarning("Node {Node}, which holds the recording of call {CallId}, did not answer ({Detail})", nodeId, recording.CallId, ex.Message);
            return null;
        }
    }
}

/// <summary>The owner's answer: its status, the headers that describe the file, and its body, to copy as they come.</summary>
public sealed class PeerRecording(HttpRequestMessage request, HttpResponseMessage response) : IDisposable
{
    private static readonly string[] ContentHeaders = ["Content-Type", "Content-Length", "Content-Range", "Content-Disposition", "Last-Modified"];
    private static readonly string[] ResponseHeaders = ["Accept-Ranges", "ETag"];

    public int Status => (int)response.StatusCode;

    /// <summary>Hands the status to <paramref name="status"/> and each header to <paramref name="header"/>, then copies the body into <paramref name="body"/>.</summary>
    public async Task CopyToAsync(Action<int> status, Action<string, string[]> header, Stream body, CancellationToken cancellationToken)
    {
        status(Status);
        foreach (var (name, values) in Pick(response.Content.Headers, ContentHeaders).Concat(Pick(response.Headers, ResponseHeaders)))
        {
            header(name, values);
        }

        await using var source = await response.Content.ReadAsStreamAsync(cancellationToken);
        await source.CopyToAsync(body, cancellationToken);
    }

    public void Dispose()
    {
        response.Dispose();
        request.Dispose();
    }

    private static IEnumerable<KeyValuePair<string, string[]>> Pick(System.Net.Http.Headers.HttpHeaders from, string[] names)
    {
        foreach (var name in names)
        {
            if (from.TryGetValues(name, out var values))
            {
                yield return new(name, values.ToArray());
            }
        }
    }
}
