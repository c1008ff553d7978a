using System.Buffers.Binary;

namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>
/// Protects what one call sends (RFC 3711 §3.3, §3.4) with our master key: RTP payloads encrypted and tagged, with
/// the rollover counter advanced when the sequence number wraps; RTCP encrypted after its first 8 bytes, with the
/// E flag and SRTCP index, and tagged. RTP and RTCP each have one sender thread; they share nothing mutable.
/// </summary>
public sealed class SrtpSender : IDisposable
{
    private readonly SrtpSuite _suite;
    private readonly SrtpCiphers _ciphers;
    private uint _rolloverCounter;
    private int _lastSequence = -1;
    private uint _rtcpIndex;

    public SrtpSender(SrtpSuite suite, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        _suite = suite;
        _ciphers = new SrtpCiphers(masterKey, masterSalt);
    }

    /// <summary>How many bytes protection adds to an RTP packet at most (RTCP: 4 more).</summary>
    public int Overhead => _suite.RtcpTagLength + 4;

    /// <summary>The rollover counter of the next packet (for tests of the wrap).</summary>
    public uint RolloverCounter => _rolloverCounter;

    /// <summary>Protects the RTP packet in <c>buffer[..length]</c> in place; returns the new length (the tag appended).</summary>
    public int ProtectRtp(Span<byte> buffer, int length)
    {
        var sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (_lastSequence >= 0 && sequence < _lastSequence && _lastSequence - sequence > 0x8000)
        {
            _rolloverCounter++;
        }

        _lastSequence = sequence;
        var index = ((ulong)_rolloverCounter << 16) | sequence;
        var header = SrtpPackets.RtpHeaderLength(buffer[..length]);
        Span<byte> iv = stackalloc byte[16];
        _ciphers.RtpKeys.WriteIv(iv, BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]), index);
        _ciphers.Rtp.Apply(iv, buffer[header..length]);
        // The tag covers the packet and then the rollover counter (§4.2), which sits where the tag will go.
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], _rolloverCounter);
        _ciphers.RtpKeys.Tag(buffer[..(length + 4)], buffer.Slice(length, _suite.RtpTagLength));
        return length + _suite.RtpTagLength;
    }

    /// <summary>Protects the RTCP compound packet in <c>buffer[..length]</c> in place; returns the new length.</summary>
    public int ProtectRtcp(Span<byte> buffer, int length)
    {
        var index = _rtcpIndex++ & 0x7FFF_FFFF;
        Span<byte> iv = stackalloc byte[16];
        _ciphers.RtcpKeys.WriteIv(iv, BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), index);
        _ciphers.Rtcp.Apply(iv, buffer[8..length]);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[length..], 0x8000_0000 | index);
        _ciphers.RtcpKeys.Tag(buffer[..(length + 4)], buffer.Slice(length + 4, _suite.RtcpTagLength));
        return length + 4 + _suite.RtcpTagLength;
    }

    public void Dispose() => _ciphers.Dispose();
}
