using System.Buffers;
using System.Globalization;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>What came of parsing one datagram: a message, a keep-alive, or the reason it was rejected.</summary>
public readonly record struct SipParseResult(SipMessage? Message, string? Error)
{
    public bool IsKeepAlive => Message is null && Error is null;

    public static SipParseResult KeepAlive => default;

    public static SipParseResult Rejected(string error) => new(null, error);
}

/// <summary>
/// Parses one SIP message from a datagram (RFC 3261 §7, §18.3, §25). It never throws: malformed input comes back as
/// <see cref="SipParseResult.Error"/> so the receive loop can drop and count it.
/// </summary>
public static class SipParser
{
    public const int MaxHeaders = 200;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static SipParseResult Parse(ReadOnlySpan<byte> datagram)
    {
        try
        {
            return ParseCore(datagram);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or OverflowException or IndexOutOfRangeException)
        {
            // Belt and braces: every path below checks its input, but a datagram must never escape as an exception.
            return SipParseResult.Rejected("unparseable: " + exception.GetType().Name);
        }
    }

    private static SipParseResult ParseCore(ReadOnlySpan<byte> datagram)
    {
        // Leading CRLFs are keep-alives (RFC 5626 §4.4.1) or stray line ends before a message (RFC 3261 §7.5).
        var start = 0;
        while (start < datagram.Length && datagram[start] is (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start == datagram.Length)
        {
            return SipParseResult.KeepAlive;
        }

        datagram = datagram[start..];
        var (headerEnd, bodyStart) = FindEndOfHeaders(datagram);
        if (headerEnd < 0)
        {
            return SipParseResult.Rejected("no blank line after the headers");
        }

        var head = datagram[..headerEnd];
        if (head.Contains((byte)0))
        {
            return SipParseResult.Rejected("NUL in the headers");
        }

        // Decoded into a pooled buffer, not a string: only the start line's parts and the header values become strings.
        var buffer = ArrayPool<char>.Shared.Rent(StrictUtf8.GetMaxCharCount(head.Length));
        SipMessage? message;
        string? error;
        try
        {
            ReadOnlySpan<char> text = buffer.AsSpan(0, StrictUtf8.GetChars(head, buffer));
            message = text.Contains("\n ", StringComparison.Ordinal) || text.Contains("\n\t", StringComparison.Ordinal)
                ? ParseFoldedHead(text.ToString(), out error)
                : ParseHead(text, out error);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        if (message is null)
        {
            return SipParseResult.Rejected(error!);
        }

        var available = datagram.Length - bodyStart;
        if (!TryContentLength(message.Headers, available, out var length, out error))
        {
            return SipParseResult.Rejected(error!);
        }

        message.Body = datagram.Slice(bodyStart, length).ToArray();
        error = SipMessageRules.Check(message);
        return error is null ? new SipParseResult(message, null) : SipParseResult.Rejected(error);
    }

    /// <summary>
    /// The usual head, with no folded lines: each header is read straight from the text, so only the values (and
    /// names the stack does not know) become strings.
    /// </summary>
    private static SipMessage? ParseHead(ReadOnlySpan<char> text, out string? error)
    {
        var rest = text;
        var message = ParseStartLine(TrimCr(NextLine(ref rest)).ToString(), out error);
        if (message is null)
        {
            return null;
        }

        var count = 0;
        while (!rest.IsEmpty)
        {
            var line = TrimCr(NextLine(ref rest));
            if (++count > MaxHeaders)
            {
                error = "too many headers";
                return null;
            }

            if (!AddHeader(message.Headers, line, out error))
            {
                return null;
            }
        }

        return message;
    }

    /// <summary>A head with folded continuation lines (RFC 3261 §7.3.1): joined first, then read like any other.</summary>
    private static SipMessage? ParseFoldedHead(string text, out string? error)
    {
        var lines = Unfold(text);
        var message = ParseStartLine(lines[0], out error);
        if (message is null)
        {
            return null;
        }

        if (lines.Count - 1 > MaxHeaders)
        {
            error = "too many headers";
            return null;
        }

        for (var i = 1; i < lines.Count; i++)
        {
            if (!AddHeader(message.Headers, lines[i], out error))
            {
                return null;
            }
        }

        return message;
    }

    private static ReadOnlySpan<char> NextLine(ref ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOf('\n');
        ReadOnlySpan<char> line;
        if (end < 0)
        {
            line = rest;
            rest = [];
        }
        else
        {
            line = rest[..end];
            rest = rest[(end + 1)..];
        }

        return line;
    }

    private static ReadOnlySpan<char> TrimCr(ReadOnlySpan<char> line) => line.EndsWith('\r') ? line[..^1] : line;

    private static (int HeaderEnd, int BodyStart) FindEndOfHeaders(ReadOnlySpan<byte> data)
    {
        var crlf = data.IndexOf("\r\n\r\n"u8);
        var lf = data.IndexOf("\n\n"u8);
        if (crlf >= 0 && (lf < 0 || crlf < lf))
        {
            return (crlf, crlf + 4);
        }

        return lf >= 0 ? (lf, lf + 2) : (-1, -1);
    }

    /// <summary>Splits header lines and joins folded continuation lines (leading SP or HT) to the line before.</summary>
    private static List<string> Unfold(string head)
    {
        var lines = new List<string>();
        foreach (var raw in head.Split('\n'))
        {
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length > 0 && line[0] is ' ' or '\t' && lines.Count > 1)
            {
                lines[^1] = lines[^1].TrimEnd() + " " + line.Trim();
            }
            else
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    private static SipMessage? ParseStartLine(string line, out string? error)
    {
        error = null;
        var parts = line.Split(' ', 3);
        if (parts.Length < 3)
        {
            error = "bad start line";
            return null;
        }

        if (parts[0] == "SIP/2.0")
        {
            if (parts[1].Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code) || code is < 100 or > 699)
            {
                error = "bad status code";
                return null;
            }

            return new SipResponse(code, parts[2].Trim());
        }

        if (!SipText.IsToken(parts[0]) || parts[2] != "SIP/2.0")
        {
            error = "bad request line";
            return null;
        }

        var uri = parts[1];
        if (uri.IndexOf(':') <= 0 || uri.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            error = "bad Request-URI";
            return null;
        }

        return new SipRequest(parts[0], uri);
    }

    private static bool AddHeader(SipHeaders headers, ReadOnlySpan<char> line, out string? error)
    {
        error = null;
        var colon = line.IndexOf(':');
        if (colon <= 0)
        {
            error = "header without a colon";
            return false;
        }

        var name = line[..colon].TrimEnd(" \t");
        if (!SipText.IsToken(name))
        {
            error = "bad header name";
            return false;
        }

        var rawValue = line[(colon + 1)..].Trim(" \t");
        foreach (var c in rawValue)
        {
            if (char.IsControl(c) && c != '\t')
            {
                error = "control character in a header";
                return false;
            }
        }

        var canonical = SipHeaderNames.Canonical(name);
        var value = rawValue.ToString();
        if (SipHeaderNames.IsList(canonical) && value != "*")
        {
            foreach (var item in SipText.SplitList(value))
            {
                headers.Add(canonical, item);
            }
        }
        else
        {
            headers.Add(canonical, value);
        }

        return true;
    }

    private static bool TryContentLength(SipHeaders headers, int available, out int length, out string? error)
    {
        error = null;
        length = available;
        string? value = null;
        var conflicting = false;
        foreach (var item in headers.GetAll(SipHeaderNames.ContentLength))
        {
            conflicting |= value is not null && item != value;
            value = item;
        }

        if (value is null)
        {
            return true;
        }

        if (conflicting || !int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out length))
        {
            error = "bad Content-Length";
            return false;
        }

        if (length > available)
        {
            error = "Content-Length beyond the datagram";
            return false;
        }

        return true;
    }
}
