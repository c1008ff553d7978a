using System.Buffers.Text;

namespace Cualify.Appliance.Dialer.Sip.Transport;

/// <summary>What <see cref="SipStreamFramer.TryTake"/> found at the front of the stream.</summary>
public enum SipStreamFrame
{
    /// <summary>Not enough bytes yet.</summary>
    None,

    /// <summary>One whole SIP message (headers and a body of Content-Length bytes).</summary>
    Message,

    /// <summary>A double CRLF keep-alive ping (RFC 5626 §3.5.1): answer with a single CRLF.</summary>
    Ping,

    /// <summary>A single CRLF: the answer to our ping.</summary>
    Pong,
}

/// <summary>
/// Cuts a SIP byte stream (TCP or TLS) into messages by Content-Length (RFC 3261 §18.3), and recognises the CRLF
/// keep-alives between them. A message without Content-Length, or one larger than the limit, makes the stream
/// unusable: <see cref="SipStreamFramingException"/>, and the connection is closed.
/// </summary>
public sealed class SipStreamFramer(int maxMessageBytes = 64 * 1024)
{
    private static ReadOnlySpan<byte> HeaderEnd => "\r\n\r\n"u8;

    private byte[] _buffer = new byte[8 * 1024];
    private int _start;
    private int _end;
    private int _taken;

    /// <summary>Room to read into; call <see cref="Advance"/> with the number of bytes read.</summary>
    public Memory<byte> WritableMemory()
    {
        Compact();
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        return _buffer.AsMemory(_end);
    }

    public void Advance(int bytes) => _end += bytes;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        while (bytes.Length > 0)
        {
            var room = WritableMemory().Span;
            var count = Math.Min(room.Length, bytes.Length);
            bytes[..count].CopyTo(room);
            Advance(count);
            bytes = bytes[count..];
        }
    }

    /// <summary>
    /// Takes the next frame off the front. <paramref name="message"/> holds the message's bytes for
    /// <see cref="SipStreamFrame.Message"/> and is valid until the next call on this framer.
    /// </summary>
    public SipStreamFrame TryTake(out ReadOnlySpan<byte> message)
    {
        message = default;
        _start += _taken;
        _taken = 0;
        var pending = _buffer.AsSpan(_start, _end - _start);
        if (pending.StartsWith(HeaderEnd))
        {
            _start += HeaderEnd.Length;
            return SipStreamFrame.Ping;
        }

        if (pending.StartsWith("\r\n"u8))
        {
            if (pending.Length == 2 || pending[2] != (byte)'\r')
            {
                _start += 2;
                return SipStreamFrame.Pong;
            }

            // "\r\n\r": the rest of a ping is on its way.
            return SipStreamFrame.None;
        }

        var headerEnd = pending.IndexOf(HeaderEnd);
        if (headerEnd < 0)
        {
            return pending.Length > maxMessageBytes
                ? throw new SipStreamFramingException($"No end of headers within {maxMessageBytes} bytes.")
                : SipStreamFrame.None;
        }

        var headers = pending[..(headerEnd + 2)];
        var bodyLength = ContentLength(headers) ?? throw new SipStreamFramingException("A message on a stream transport has no Content-Length.");
        var total = headerEnd + HeaderEnd.Length + bodyLength;
        if (total > maxMessageBytes)
        {
            throw new SipStreamFramingException($"A message of {total} bytes is over the {maxMessageBytes}-byte limit.");
        }

        if (pending.Length < total)
        {
            return SipStreamFrame.None;
        }

        message = pending[..total];
        _taken = total;
        return SipStreamFrame.Message;
    }

    /// <summary>The value of <c>Content-Length</c> (or its compact form <c>l</c>), null when absent or not a number.</summary>
    private static int? ContentLength(ReadOnlySpan<byte> headers)
    {
        while (headers.Length > 0)
        {
            var lineEnd = headers.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? headers : headers[..lineEnd];
            headers = lineEnd < 0 ? default : headers[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].TrimEnd((byte)' ');
            if (name.Length == 1 ? (name[0] | 0x20) == 'l' : System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                var value = line[(colon + 1)..].Trim((byte)' ');
                return Utf8Parser.TryParse(value, out int length, out var used) && used == value.Length && length >= 0 ? length : null;
            }
        }

        return null;
    }

    private void Compact()
    {
        _start += _taken;
        _taken = 0;
        if (_start == 0)
        {
            return;
        }

        _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
        _end -= _start;
        _start = 0;
    }
}

/// <summary>The stream is not framed as SIP requires; the connection has to be closed.</summary>
public sealed class SipStreamFramingException(string message) : Exception(message);
