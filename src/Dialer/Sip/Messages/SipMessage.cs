using System.Globalization;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>
/// A SIP request or response: the headers (the source of truth) and the body. Typed views of the headers every
/// message has (Via, From, To, Call-ID, CSeq) parse on demand; the parser has already checked that they parse.
/// </summary>
public abstract class SipMessage
{
    public SipHeaders Headers { get; } = new();

    public ReadOnlyMemory<byte> Body { get; set; }

    public string CallId => Headers[SipHeaderNames.CallId] ?? "";

    public CSeq CSeq => Messages.CSeq.TryParse(Headers[SipHeaderNames.CSeq], out var cseq) ? cseq.Value : new CSeq(0, "");

    public Via? TopVia => Via.TryParse(Headers[SipHeaderNames.Via], out var via) ? via : null;

    public NameAddress? From => NameAddress.TryParse(Headers[SipHeaderNames.From], out var from) ? from : null;

    public NameAddress? To => NameAddress.TryParse(Headers[SipHeaderNames.To], out var to) ? to : null;

    public NameAddress? Contact => NameAddress.TryParse(Headers[SipHeaderNames.Contact], out var contact) ? contact : null;

    public string? ContentType => Headers[SipHeaderNames.ContentType];

    public string BodyText => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The first line without CRLF.</summary>
    public abstract string StartLine { get; }

    public void SetBody(string contentType, string body)
    {
        Headers.Set(SipHeaderNames.ContentType, contentType);
        Body = Encoding.UTF8.GetBytes(body);
    }

    /// <summary>Serialises the message; <c>Content-Length</c> is always written from the body.</summary>
    public byte[] ToBytes()
    {
        var text = new StringBuilder(512);
        text.Append(StartLine).Append("\r\n");
        foreach (var header in Headers)
        {
            if (!string.Equals(header.Name, SipHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase))
            {
                text.Append(header.Name).Append(": ").Append(header.Value).Append("\r\n");
            }
        }

        text.Append(SipHeaderNames.ContentLength).Append(": ").Append(Body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n\r\n");
        var headerBytes = Encoding.UTF8.GetByteCount(text.ToString());
        var bytes = new byte[headerBytes + Body.Length];
        Encoding.UTF8.GetBytes(text.ToString(), bytes);
        Body.Span.CopyTo(bytes.AsSpan(headerBytes));
        return bytes;
    }

    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}

public sealed class SipRequest(string method, string requestUri) : SipMessage
{
    public string Method { get; } = method;

    public string RequestUri { get; set; } = requestUri;

    public override string StartLine => $"{Method} {RequestUri} SIP/2.0";
}

public sealed class SipResponse(int statusCode, string reason) : SipMessage
{
    public int StatusCode { get; } = statusCode;

    public string Reason { get; } = reason;

    public bool IsProvisional => StatusCode is >= 100 and < 200;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    public bool IsFinal => StatusCode >= 200;

    public override string StartLine => $"SIP/2.0 {StatusCode.ToString(CultureInfo.InvariantCulture)} {Reason}";
}
