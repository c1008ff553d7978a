using System.Globalization;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>The checks every received message must pass before a transaction sees it (RFC 3261 §8.1.1, §8.2.2).</summary>
public static class SipMessageRules
{
    /// <summary>Null when <paramref name="message"/> is acceptable, else what is wrong with it.</summary>
    public static string? Check(SipMessage message)
    {
        // The top Via, From and To are checked through the message's own parsed views, which the layers above read
        // next: each is parsed once per message, not once here and again there.
        var vias = 0;
        foreach (var via in message.Headers.GetAll(SipHeaderNames.Via))
        {
            if (vias++ == 0 ? message.TopVia is null : !Via.TryParse(via, out _))
            {
                return "bad Via";
            }
        }

        if (vias == 0)
        {
            return "no Via";
        }

        if (message.From is null)
        {
            return "bad or missing From";
        }

        if (message.To is null)
        {
            return "bad or missing To";
        }

        var callId = message.Headers[SipHeaderNames.CallId];
        if (string.IsNullOrEmpty(callId) || callId.Any(char.IsWhiteSpace))
        {
            return "bad or missing Call-ID";
        }

        if (!CSeq.TryParse(message.Headers[SipHeaderNames.CSeq], out var cseq))
        {
            return "bad or missing CSeq";
        }

        if (message is SipRequest request)
        {
            if (!string.Equals(cseq.Value.Method, request.Method, StringComparison.Ordinal))
            {
                return "CSeq method differs from the request method";
            }

            var maxForwards = message.Headers[SipHeaderNames.MaxForwards];
            if (maxForwards is not null && !byte.TryParse(maxForwards, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return "bad Max-Forwards";
            }
        }

        return null;
    }
}
