using System.Buffers.Binary;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Media.Srtp;
using Cualify.Appliance.Dialer.Sip.Sdp;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>SRTP and SRTCP (RFC 3711) with the RFC's own test vectors, and the protections around them.</summary>
public sealed class SrtpTests
{
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Fact]
    public void Session_keys_are_derived_as_in_RFC_3711_appendix_B_3()
    {
        var keys = SrtpKeys.Derive(MasterKey, MasterSalt, rtcp: false);

        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(keys.CipherKey));
        Assert.Equal("30CBBC08863D8C85D49DB34A9AE1", Convert.ToHexString(keys.Salt));
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", Convert.ToHexString(keys.AuthKey));
    }

    [Fact]
    public void The_counter_mode_keystream_matches_RFC_3711_appendix_B_2()
    {
        using var cipher = new AesCounterMode(Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C"));
        var iv = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");
        var keystream = new byte[48];

        cipher.Apply(iv, keystream);

        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4" + "D23513162B02D0F72A43A2FE4A5F97AB" + "41E95B3BB0A2E8DD477901E4FCA894C0", Convert.ToHexString(keystream));
    }

    [Theory]
    [InlineData("AES_CM_128_HMAC_SHA1_80", 10)]
    [InlineData("AES_CM_128_HMAC_SHA1_32", 4)]
    public void A_protected_packet_is_encrypted_tagged_and_comes_back_whole(string suiteName, int tag)
    {
        var suite = SrtpSuite.FromName(suiteName)!;
        using var sender = new SrtpSender(suite, MasterKey, MasterSalt);
        using var receiver = new SrtpReceiver(suite, MasterKey, MasterSalt);
        var plain = Rtp(sequence: 7);
        var buffer = Buffer(plain);

        var length = sender.ProtectRtp(buffer, plain.Length);
        Assert.Equal(plain.Length + tag, length);
        Assert.Equal(plain[..12], buffer[..12]);
        Assert.NotEqual(plain[12..], buffer[12..plain.Length]);

        Assert.Equal(plain.Length, receiver.UnprotectRtp(buffer, length));
        Assert.Equal(plain, buffer[..plain.Length]);
    }

    [Fact]
    public void A_tampered_packet_is_dropped_and_counted_and_the_next_good_one_still_passes()
    {
        var suite = SrtpSuite.AesCm128HmacSha1_80;
        using var sender = new SrtpSender(suite, MasterKey, MasterSalt);
        using var receiver = new SrtpReceiver(suite, MasterKey, MasterSalt);
        var first = Buffer(Rtp(sequence: 1));
        var length = sender.ProtectRtp(first, 172);
        first[20] ^= 0x01;

        Assert.Equal(-1, receiver.UnprotectRtp(first, length));
        Assert.Equal(1, receiver.AuthenticationFailures);

        var second = Buffer(Rtp(sequence: 2));
        Assert.Equal(172, receiver.UnprotectRtp(second, sender.ProtectRtp(second, 172)));
    }

    [Fact]
    public void A_replayed_packet_is_dropped_and_counted()
    {
        var suite = SrtpSuite.AesCm128HmacSha1_80;
        using var sender = new SrtpSender(suite, MasterKey, MasterSalt);
        using var receiver = new SrtpReceiver(suite, MasterKey, MasterSalt);
        var packet = Buffer(Rtp(sequence: 100));
        var length = sender.ProtectRtp(packet, 172);
        var copy = packet.ToArray();

        Assert.Equal(172, receiver.UnprotectRtp(packet, length));
        Assert.Equal(-1, receiver.UnprotectRtp(copy, length));
        Assert.Equal(1, receiver.Replays);
        Assert.Equal(0, receiver.AuthenticationFailures);
    }

    [Fact]
    public void Across_the_sequence_wrap_the_rollover_counter_advances_on_both_sides()
    {
        var suite = SrtpSuite.AesCm128HmacSha1_80;
        using var sender = new SrtpSender(suite, MasterKey, MasterSalt);
        using var receiver = new SrtpReceiver(suite, MasterKey, MasterSalt);
        foreach (var sequence in new ushort[] { 65534, 65535, 0, 1 })
        {
            var plain = Rtp(sequence);
            var buffer = Buffer(plain);
            Assert.Equal(plain.Length, receiver.UnprotectRtp(buffer, sender.ProtectRtp(buffer, plain.Length)));
            Assert.Equal(plain, buffer[..plain.Length]);
        }

        Assert.Equal(1u, sender.RolloverCounter);
    }

    [Fact]
    public void A_sender_report_goes_out_as_SRTCP_with_the_E_flag_and_index_and_an_80_bit_tag_even_for_the_32_bit_suite()
    {
        var suite = SrtpSuite.AesCm128HmacSha1_32;
        using var sender = new SrtpSender(suite, MasterKey, MasterSalt);
        using var receiver = new SrtpReceiver(suite, MasterKey, MasterSalt);
        var buffer = new byte[512];
        var length = RtcpPacket.WriteSenderReport(buffer, 0x11223344, DateTimeOffset.UnixEpoch.AddYears(60), 1234, 10, 1600, "abc@cualify");
        var plain = buffer[..length];

        var protectedLength = sender.ProtectRtcp(buffer, length);

        Assert.Equal(length + 4 + 10, protectedLength);
        Assert.Equal(0x8000_0000u, BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(length)));
        Assert.Equal(length, receiver.UnprotectRtcp(buffer, protectedLength));
        Assert.Equal(plain, buffer[..length]);
        buffer[9] ^= 0xFF;
        Assert.Equal(-1, receiver.UnprotectRtcp(buffer, protectedLength));
    }

    [Fact]
    public void An_SDES_line_round_trips_and_lines_we_cannot_use_are_skipped()
    {
        var ours = SdesCrypto.Generate(1, SrtpSuite.AesCm128HmacSha1_80);
        Assert.True(SdesCrypto.TryParse(ours.ToAttribute().Value, out var parsed));
        Assert.Equal(ours.KeyAndSalt, parsed.KeyAndSalt);
        Assert.Equal(1, parsed.Tag);
        Assert.DoesNotContain(Convert.ToBase64String(ours.KeyAndSalt), ours.ToString());

        var key = Convert.ToBase64String(new byte[30]);
        Assert.True(SdesCrypto.TryParse($"2 AES_CM_128_HMAC_SHA1_32 inline:{key}|2^31", out _));
        Assert.False(SdesCrypto.TryParse($"3 AES_CM_128_HMAC_SHA1_80 inline:{key}|2^20|1:4", out _));
        Assert.False(SdesCrypto.TryParse($"4 AEAD_AES_256_GCM inline:{key}", out _));
        Assert.False(SdesCrypto.TryParse("5 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=", out _));
    }

    private static byte[] Rtp(ushort sequence)
    {
        var payload = Enumerable.Range(0, 160).Select(i => (byte)i).ToArray();
        var buffer = new byte[172];
        new RtpPacket(false, 0, sequence, 160u * sequence, 0xCAFEBABE, payload).WriteTo(buffer);
        return buffer;
    }

    private static byte[] Buffer(byte[] packet)
    {
        var buffer = new byte[packet.Length + 32];
        packet.CopyTo(buffer, 0);
        return buffer;
    }
}
