namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>Builds responses to received requests (RFC 3261 §8.2.6.2).</summary>
public static class SipResponses
{
    /// <summary>
    /// A response copying Via (all), From, Call-ID, CSeq and To, adding <paramref name="toTag"/> to To when the
    /// request's To has none and the status is above 100.
    /// </summary>
    public static SipResponse For(SipRequest request, int statusCode, string reason, string? toTag = null)
    {
        var response = new SipResponse(statusCode, reason);
        response.Headers.CopyFrom(request.Headers, SipHeaderNames.Via);
        response.Headers.Add(SipHeaderNames.From, request.Headers[SipHeaderNames.From]!);
        var to = request.To;
        var toValue = request.Headers[SipHeaderNames.To]!;
        if (to is not null && to.Tag is null && statusCode > 100 && toTag is not null)
        {
            toValue = to.WithTag(toTag).ToString();
        }

        response.Headers.Add(SipHeaderNames.To, toValue);
        response.Headers.Add(SipHeaderNames.CallId, request.CallId);
        response.Headers.Add(SipHeaderNames.CSeq, request.Headers[SipHeaderNames.CSeq]!);
        return response;
    }
}
