using System.Buffers.Binary;
using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>What the peer reported about the audio it receives from us (one RFC 3550 §6.4.1 report block).</summary>
/// <param name="FractionLost">Share of our packets lost since its previous report, 0–1.</param>
/// <param name="CumulativeLost">Our packets lost since the start (negative with duplicates).</param>
/// <param name="JitterSamples">Interarrival jitter in RTP timestamp units (8 kHz for G.711).</param>
public sealed record RtcpReceptionReport(uint SourceSsrc, double FractionLost, int CumulativeLost, uint JitterSamples)
{
    public double JitterMs => JitterSamples / 8.0;
}

/// <summary>
/// RTCP (RFC 3550 §6): writes our compound sender report (SR with no report blocks, then SDES with our CNAME) and
/// reads the report blocks of the SRs and RRs a peer sends. Anything malformed is ignored, never thrown.
/// </summary>
public static class RtcpPacket
{
    public const int SenderReport = 200;
    public const int ReceiverReport = 201;
    public const int SourceDescription = 202;
    private const int BlockBytes = 24;
    private static readonly DateTimeOffset NtpEpoch = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Writes SR + SDES(CNAME) into <paramref name="buffer"/> (at least 64 + CNAME bytes); returns the length.</summary>
    public static int WriteSenderReport(Span<byte> buffer, uint ssrc, DateTimeOffset wallClock, uint rtpTimestamp, uint packets, uint octets, string cname)
    {
        // SR: header (8), sender info (20), no report blocks.
        buffer[0] = 0x80;
        buffer[1] = SenderReport;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[2..], 6);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[4..], ssrc);
        var sinceEpoch = wallClock - NtpEpoch;
        var seconds = (ulong)sinceEpoch.Ticks / TimeSpan.TicksPerSecond;
        var fraction = (ulong)(sinceEpoch.Ticks % TimeSpan.TicksPerSecond) * (1UL << 32) / TimeSpan.TicksPerSecond;
        BinaryPrimitives.WriteUInt32BigEndian(buffer[8..], (uint)seconds);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[12..], (uint)fraction);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[16..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[20..], packets);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[24..], octets);

        // SDES: one chunk (our SSRC, CNAME item, end of list), padded to a 32-bit boundary.
        var name = Encoding.UTF8.GetBytes(cname.Length > 255 ? cname[..255] : cname);
        var sdes = buffer[28..];
        var chunkBytes = 4 + 2 + name.Length + 1;
        var padded = (chunkBytes + 3) / 4 * 4;
        sdes[0] = 0x81;
        sdes[1] = SourceDescription;
        BinaryPrimitives.WriteUInt16BigEndian(sdes[2..], (ushort)(padded / 4));
        BinaryPrimitives.WriteUInt32BigEndian(sdes[4..], ssrc);
        sdes[8] = 1; // CNAME
        sdes[9] = (byte)name.Length;
        name.CopyTo(sdes[10..]);
        sdes.Slice(10 + name.Length, padded - chunkBytes + 1).Clear();
        return 28 + 4 + padded;
    }

    /// <summary>The last report block about <paramref name="ourSsrc"/> in a compound RTCP packet; null when there is none or it is not RTCP.</summary>
    public static RtcpReceptionReport? ReportAbout(ReadOnlySpan<byte> packet, uint ourSsrc)
    {
        RtcpReceptionReport? found = null;
        while (packet.Length >= 8)
        {
            if (packet[0] >> 6 != 2)
            {
                return found;
            }

            var count = packet[0] & 0x1F;
            var type = packet[1];
            var length = (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) + 1) * 4;
            if (length > packet.Length)
            {
                return found;
            }

            var blocksAt = type switch { SenderReport => 28, ReceiverReport => 8, _ => -1 };
            for (var i = 0; blocksAt >= 0 && i < count && blocksAt + ((i + 1) * BlockBytes) <= length; i++)
            {
                var block = packet.Slice(blocksAt + (i * BlockBytes), BlockBytes);
                var source = BinaryPrimitives.ReadUInt32BigEndian(block);
                if (source == ourSsrc)
                {
                    var cumulative = (block[5] << 16) | (block[6] << 8) | block[7];
                    found = new RtcpReceptionReport(source, block[4] / 256.0, (cumulative << 8) >> 8, BinaryPrimitives.ReadUInt32BigEndian(block[12..]));
                }
            }

            packet = packet[length..];
        }

        return found;
    }

    /// <summary>Whether the datagram is RTCP at all (version 2, a packet type of 200–204).</summary>
    public static bool IsRtcp(ReadOnlySpan<byte> packet) => packet.Length >= 8 && packet[0] >> 6 == 2 && packet[1] is >= 200 and <= 204;
}
