using System.Net.Http.Headers;
using Cualify.Appliance.Core.Cluster;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>One signed request to a public Twilio endpoint, as it arrived: enough to pass it on unchanged.</summary>
/// <param name="ForwardedBy">The node that passed it on to this one (<see cref="TwilioCallForwarding.Header"/>); null when Twilio sent it here.</param>
public sealed record TwilioCallbackRequest(
    string CallId, TwilioCallbackKind Kind, string QueryString, IReadOnlyDictionary<string, string> Form, string? Signature, string? ForwardedBy = null);

/// <summary>What the node that placed the call answered a forwarded request with.</summary>
public sealed record TwilioOwnerAnswer(int Status, string Body);

/// <summary>
/// Behind a load balancer (SPEC §9) Twilio's request for a call may reach a node that did not place it. Such a
/// request is passed on — same path, query, form and <c>X-Twilio-Signature</c> — to the live node that dials the call,
/// at the address that node published in <c>nodes</c> (never one from the request), and the owner's answer comes
/// back. The owner checks the signature as usual (it signs the public URL, the same on every node) and, seeing
/// <see cref="Header"/>, never passes the request on again.
/// </summary>
public sealed class TwilioCallForwarding(HttpClient http, PeerNodes peers, ClusterNode node, ILogger<TwilioCallForwarding> logger)
{
    public const string HttpClientName = "twilio-forwarding";

    public const string Header = PeerNodes.ForwardedHeader;

    /// <summary>Twilio waits 15 s for an answer; a live owner answers in milliseconds, so a slow one is taken as gone.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The owner's answer, or null when there is no other live owner to ask (or it published no address), the
    /// request was already forwarded once, or the owner did not answer in time.
    /// </summary>
    public async Task<TwilioOwnerAnswer?> ToOwnerAsync(TwilioCallbackRequest request, CancellationToken cancellationToken)
    {
        if (request.ForwardedBy is not null)
        {
            logger.LogDebug("Twilio {Kind} request for call {CallId}, forwarded by {Node}, is not live here either", request.Kind, request.CallId, request.ForwardedBy);
            return null;
        }

        var owner = await peers.OwnerOfLiveCallAsync(request.CallId, cancellationToken);
        if (owner is null)
        {
            return null;
        }

        if (owner.Base is not { } ownerBase)
        {
            logger.LogWarning("Twilio {Kind} request for call {CallId} belongs to node {Node}, which published no Cluster:NodeUrl; it cannot be passed on",
                request.Kind, request.CallId, owner.Id);
            return null;
        }

        var url = TwilioCallLinks.For(ownerBase, request.CallId, null).Of(request.Kind) + request.QueryString;
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(request.Form) };
        message.Headers.TryAddWithoutValidation(TwilioSignature.Header, request.Signature);
        message.Headers.Add(Header, node.Id);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/xml"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var response = await http.SendAsync(message, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if ((int)response.StatusCode >= 400)
            {
                // A 403 here means the nodes disagree on Api:PublicBaseUrl or the auth token: this node checked the signature.
                logger.LogWarning("Node {Node}, which dials call {CallId}, answered Twilio's {Kind} request passed on to it with {Status}",
                    owner.Id, request.CallId, request.Kind, (int)response.StatusCode);
            }
            else
            {
                logger.LogDebug("Passed Twilio's {Kind} request for call {CallId} on to node {Node}: {Status}", request.Kind, request.CallId, owner.Id, (int)response.StatusCode);
            }

            return new TwilioOwnerAnswer((int)response.StatusCode, body);
        }
        catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Node {Node}, which dials call {CallId}, did not answer Twilio's {Kind} request passed on to it ({Detail})",
                owner.Id, request.CallId, request.Kind, ex.Message);
            return null;
        }
    }
}
