using System.Buffers.Binary;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// Writes a pcap (Ethernet/IPv4/UDP) of one RFC 4733 key press, for sipp's <c>play_pcap_audio</c>: three updates
/// with growing duration, then the end packet three times, all with the event's one RTP timestamp, 20 ms apart.
/// </summary>
public static class DtmfPcap
{
    public static void Write(string path, byte eventCode, int payloadType = 101)
    {
        using var file = File.Create(path);
        Span<byte> global = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(global, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(global[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(global[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(global[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(global[20..], 1); // LINKTYPE_ETHERNET
        file.Write(global);

        const uint timestamp = 48000;
        const uint ssrc = 0x0BADCAFE;
        ushort sequence = 1000;
        var packets = new List<(bool Marker, bool End, ushort Duration)>
        {
            (true, false, 160), (false, false, 320), (false, false, 480),
            (false, true, 640), (false, true, 640), (false, true, 640),
        };
        for (var i = 0; i < packets.Count; i++)
        {
            var (marker, end, duration) = packets[i];
            var rtp = new byte[16];
            rtp[0] = 0x80;
            rtp[1] = (byte)((marker ? 0x80 : 0) | payloadType);
            BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), sequence++);
            BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(4), timestamp);
            BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(8), ssrc);
            rtp[12] = eventCode;
            rtp[13] = (byte)((end ? 0x80 : 0) | 10); // E bit, volume -10 dBm0
            BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(14), duration);
            WritePacket(file, i * 20_000, rtp);
        }
    }

    private static void WritePacket(Stream file, int microseconds, byte[] rtp)
    {
        var udpLength = 8 + rtp.Length;
        var ipLength = 20 + udpLength;
        var frame = new byte[14 + ipLength];
        frame[12] = 0x08; // EtherType IPv4
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipLength);
        ip[8] = 64;
        ip[9] = 17; // UDP
        ip[12] = 127; ip[15] = 1;
        ip[16] = 127; ip[19] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20]));
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 40002);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udpLength);
        rtp.CopyTo(udp[8..]);

        Span<byte> record = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(record, 1_700_000_000u + (uint)(microseconds / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)(microseconds % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], (uint)frame.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record[12..], (uint)frame.Length);
        file.Write(record);
        file.Write(frame);
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
