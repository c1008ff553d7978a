using System.Buffers.Binary;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>The RTP fixed header (RFC 3550 §5.1), written and read without allocation.</summary>
public readonly ref struct RtpPacket
{
    public const int HeaderLength = 12;

    public RtpPacket(bool marker, int payloadType, ushort sequence, uint timestamp, uint ssrc, ReadOnlySpan<byte> payload)
    {
        Marker = marker;
        PayloadType = payloadType;
        Sequence = sequence;
        Timestamp = timestamp;
        Ssrc = ssrc;
        Payload = payload;
    }

    public bool Marker { get; }

    public int PayloadType { get; }

    public ushort Sequence { get; }

    public uint Timestamp { get; }

    public uint Ssrc { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Writes header and payload into <paramref name="buffer"/>; returns the packet length.</summary>
    public int WriteTo(Span<byte> buffer)
    {
        buffer[0] = 0x80; // V=2, no padding, no extension, no CSRC
        buffer[1] = (byte)((Marker ? 0x80 : 0) | (PayloadType & 0x7F));
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], Sequence);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], Timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], Ssrc);
        Payload.CopyTo(buffer[HeaderLength..]);
        return HeaderLength + Payload.Length;
    }

    /// <summary>Reads an RTP packet, skipping CSRCs, a header extension and padding. False for anything that is not RTP v2.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out RtpPacket packet)
    {
        packet = default;
        if (data.Length < HeaderLength || (data[0] >> 6) != 2)
        {
            return false;
        }

        var csrcCount = data[0] & 0x0F;
        var offset = HeaderLength + (4 * csrcCount);
        if ((data[0] & 0x10) != 0)
        {
            if (data.Length < offset + 4)
            {
                return false;
            }

            offset += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]));
        }

        var end = data.Length;
        if ((data[0] & 0x20) != 0)
        {
            end -= data[^1];
        }

        if (offset > end)
        {
            return false;
        }

        packet = new RtpPacket(
            (data[1] & 0x80) != 0,
            data[1] & 0x7F,
            BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            data[offset..end]);
        return true;
    }
}
