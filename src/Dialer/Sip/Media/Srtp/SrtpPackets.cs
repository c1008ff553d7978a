namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

internal static class SrtpPackets
{
    /// <summary>The RTP header's length with its CSRCs and extension (what SRTP leaves unencrypted), or -1 when it does not fit.</summary>
    public static int RtpHeaderLength(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 12)
        {
            return -1;
        }

        var length = 12 + 4 * (packet[0] & 0x0F);
        if ((packet[0] & 0x10) != 0)
        {
            if (packet.Length < length + 4)
            {
                return -1;
            }

            length += 4 + 4 * ((packet[length + 2] << 8) | packet[length + 3]);
        }

        return length <= packet.Length ? length : -1;
    }
}
