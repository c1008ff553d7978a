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

    private Parsed? _parsed;

    public string CallId => View.CallId;

    public CSeq CSeq => View.CSeq;

    /// <summary>The top Via, parsed once per version of the headers. Edit it only to write it back with <see cref="SipHeaders.ReplaceFirst"/>.</summary>
    public Via? TopVia => View.TopVia;

    public NameAddress? From => View.From;

    public NameAddress? To => View.To;

    public NameAddress? Contact => View.Contact;

    public string? ContentType => Headers[SipHeaderNames.ContentType];

    public string BodyText => Encoding.UTF8.GetString(Body.Span);

    /// <summary>Typed views of the common headers, rebuilt when the headers change; each parses on first use.</summary>
    private Parsed View
    {
        get
        {
            var parsed = _parsed;
            if (parsed is null || parsed.Version != Headers.Version)
            {
                parsed = new Parsed(this, Headers.Version);
                _parsed = parsed;
            }

            return parsed;
        }
    }

    /// <summary>Parses each view once; a race only parses twice and keeps either result.</summary>
    private sealed class Parsed(SipMessage message, int version)
    {
        private CSeq? _cseq;
        private Via? _topVia;
        private NameAddress? _from;
        private NameAddress? _to;
        private NameAddress? _contact;
        private int _done;

        public int Version { get; } = version;

        public string CallId { get; } = message.Headers[SipHeaderNames.CallId] ?? "";

        public CSeq CSeq => _cseq ??= Messages.CSeq.TryParse(message.Headers[SipHeaderNames.CSeq], out var cseq) ? cseq.Value : new CSeq(0, "");

        public Via? TopVia => Once(1, ref _topVia, static m => Via.TryParse(m.Headers[SipHeaderNames.Via], out var via) ? via : null);

        public NameAddress? From => Once(2, ref _from, static m => NameAddress.TryParse(m.Headers[SipHeaderNames.From], out var a) ? a : null);

        public NameAddress? To => Once(4, ref _to, static m => NameAddress.TryParse(m.Headers[SipHeaderNames.To], out var a) ? a : null);

        public NameAddress? Contact => Once(8, ref _contact, static m => NameAddress.TryParse(m.Headers[SipHeaderNames.Contact], out var a) ? a : null);

        private T? Once<T>(int bit, ref T? field, Func<SipMessage, T?> parse)
            where T : class
        {
            if ((Volatile.Read(ref _done) & bit) != 0)
            {
                return field;
            }

            var value = parse(message);
            field = value;
            int done;
            do
            {
                done = Volatile.Read(ref _done);
            }
            while (Interlocked.CompareExchange(ref _done, done | bit, done) != done);

            return value;
        }
    }

    /// <summary>The first line without CRLF.</summary>
    public abstract string StartLine { get; }

    public void SetBody(string contentType, string body)
    {
        Headers.Set(SipHeaderNames.ContentType, contentType);
        Body = Encoding.UTF8.GetBytes(body);
    }

    /// <summary>
    /// Serialises the message; <c>Content-Length</c> is always written from the body. Measures first and encodes
    /// straight into the one array it returns (no text built in between: every call sends several messages).
    /// </summary>
    public byte[] ToBytes()
    {
        var startLine = StartLine;
        Span<char> digits = stackalloc char[11];
        Body.Length.TryFormat(digits, out var digitCount, provider: CultureInfo.InvariantCulture);
        digits = digits[..digitCount];
        var length = Encoding.UTF8.GetByteCount(startLine) + 2 + SipHeaderNames.ContentLength.Length + 2 + digitCount + 4 + Body.Length;
        foreach (var header in Headers)
        {
            if (!IsContentLength(header))
            {
                length += Encoding.UTF8.GetByteCount(header.Name) + 2 + Encoding.UTF8.GetByteCount(header.Value) + 2;
            }
        }

        var bytes = new byte[length];
        var at = Write(bytes, 0, startLine, "\r\n"u8);
        foreach (var header in Headers)
        {
            if (!IsContentLength(header))
            {
                at = Write(bytes, at, header.Name, ": "u8);
                at = Write(bytes, at, header.Value, "\r\n"u8);
            }
        }

        at = Write(bytes, at, SipHeaderNames.ContentLength, ": "u8);
        at += Encoding.UTF8.GetBytes(digits, bytes.AsSpan(at));
        "\r\n\r\n"u8.CopyTo(bytes.AsSpan(at));
        Body.Span.CopyTo(bytes.AsSpan(at + 4));
        return bytes;
    }

    private static bool IsContentLength(SipHeader header) =>
        string.Equals(header.Name, SipHeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase);

    private static int Write(byte[] bytes, int at, string text, ReadOnlySpan<byte> end)
    {
        at += Encoding.UTF8.GetBytes(text, bytes.AsSpan(at));
        end.CopyTo(bytes.AsSpan(at));
        return at + end.Length;
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
