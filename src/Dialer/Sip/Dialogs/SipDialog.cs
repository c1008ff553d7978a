using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Dialogs;

/// <summary>
/// A dialog as the UAC sees it (RFC 3261 §12): Call-ID and tags, the local and remote CSeq, the remote target and
/// the route set from the 2xx's Record-Route (reversed). Builds in-dialog requests with loose or strict routing.
/// Not thread-safe: it belongs to one call.
/// </summary>
public sealed class SipDialog
{
    private uint? _remoteSequence;

    private SipDialog(string callId, NameAddress local, NameAddress remote, string remoteTarget, IReadOnlyList<string> routeSet, uint localSequence)
    {
        CallId = callId;
        Local = local;
        Remote = remote;
        RemoteTarget = remoteTarget;
        RouteSet = routeSet;
        LocalSequence = localSequence;
    }

    public string CallId { get; }

    /// <summary>Our From (with our tag).</summary>
    public NameAddress Local { get; }

    /// <summary>Their To (with their tag).</summary>
    public NameAddress Remote { get; }

    public string LocalTag => Local.Tag!;

    public string RemoteTag => Remote.Tag ?? "";

    /// <summary>The remote Contact URI: where in-dialog requests are addressed.</summary>
    public string RemoteTarget { get; private set; }

    /// <summary>Route entries in the order in-dialog requests carry them.</summary>
    public IReadOnlyList<string> RouteSet { get; }

    public uint LocalSequence { get; private set; }

    /// <summary>The dialog a 2xx to our INVITE creates (RFC 3261 §12.1.2). Null when the 2xx lacks a To tag or Contact.</summary>
    public static SipDialog? FromInviteResponse(SipRequest invite, SipResponse response)
    {
        var to = response.To;
        var contact = response.Contact;
        var from = invite.From;
        if (to?.Tag is null || contact is null || from?.Tag is null)
        {
            return null;
        }

        var routes = response.Headers.GetAll(SipHeaderNames.RecordRoute).Reverse().ToList();
        return new SipDialog(invite.CallId, from, to, contact.Uri, routes, invite.CSeq.Number);
    }

    /// <summary>True when <paramref name="message"/> (a request from the peer) belongs to this dialog.</summary>
    public bool Matches(SipRequest request) =>
        request.CallId == CallId && request.To?.Tag == LocalTag && request.From?.Tag == RemoteTag;

    /// <summary>RFC 3261 §12.2.2: a peer's CSeq must grow; false means answer 500.</summary>
    public bool AcceptRemoteSequence(uint sequence)
    {
        if (_remoteSequence is { } last && sequence <= last)
        {
            return false;
        }

        _remoteSequence = sequence;
        return true;
    }

    /// <summary>A target refresh (re-INVITE, UPDATE) may move the remote target.</summary>
    public void RefreshTarget(SipRequest request)
    {
        if (request.Contact is { } contact)
        {
            RemoteTarget = contact.Uri;
        }
    }

    /// <summary>A new in-dialog request (not ACK or CANCEL) with the next local CSeq (RFC 3261 §12.2.1.1).</summary>
    public SipRequest CreateRequest(string method, Via via) => Build(method, via, ++LocalSequence);

    /// <summary>The ACK for the 2xx to the INVITE with <paramref name="inviteSequence"/> (RFC 3261 §13.2.2.4).</summary>
    public SipRequest CreateAck(Via via, uint inviteSequence) => Build(SipMethods.Ack, via, inviteSequence);

    /// <summary>Where the request goes before any outbound proxy: the first route, else the remote target.</summary>
    public string NextHop => RouteSet.Count > 0 && NameAddress.TryParse(RouteSet[0], out var first) ? first.Uri : RemoteTarget;

    private SipRequest Build(string method, Via via, uint sequence)
    {
        // Loose routing when the first route has ;lr (or there is none); else strict routing moves it into the Request-URI.
        var firstRoute = RouteSet.Count > 0 && NameAddress.TryParse(RouteSet[0], out var parsed) ? parsed : null;
        var strict = firstRoute?.SipUri is { IsLooseRouter: false };
        var requestUri = strict ? firstRoute!.SipUri!.WithoutParameters("method", "maddr", "ttl", "transport", "lr").ToString() : RemoteTarget;
        var request = new SipRequest(method, requestUri);
        request.Headers.Add(SipHeaderNames.Via, via.ToString());
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, Local.ToString());
        request.Headers.Add(SipHeaderNames.To, Remote.ToString());
        request.Headers.Add(SipHeaderNames.CallId, CallId);
        request.Headers.Add(SipHeaderNames.CSeq, new CSeq(sequence, method).ToString());
        foreach (var route in strict ? RouteSet.Skip(1) : RouteSet)
        {
            request.Headers.Add(SipHeaderNames.Route, route);
        }

        if (strict)
        {
            request.Headers.Add(SipHeaderNames.Route, "<" + RemoteTarget + ">");
        }

        return request;
    }
}
