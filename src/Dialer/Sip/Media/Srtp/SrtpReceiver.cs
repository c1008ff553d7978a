using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>
/// Unprotects what the peer sends with its master key (RFC 3711 §3.3, §3.4): guesses each packet's index from the
/// rollover counter and the highest sequence number (Appendix A), refuses replays (a 64-packet window) and packets
/// whose tag does not verify, and decrypts the rest in place. RTP and RTCP each have one receive thread.
/// </summary>
public sealed class SrtpReceiver : IDisposable
{
    private readonly SrtpSuite _suite;
    private readonly SrtpCiphers _ciphers;
    private readonly SrtpReplayWindow _rtpReplay = new();
    private readonly SrtpReplayWindow _rtcpReplay = new();
    private uint _rolloverCounter;
    private int _highestSequence = -1;
    private long _authFailures;
    private long _replays;

    public SrtpReceiver(SrtpSuite suite, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt)
    {
        _suite = suite;
        _ciphers = new SrtpCiphers(masterKey, masterSalt);
    }

    /// <summary>Packets dropped because their authentication tag did not verify (tampered, or the wrong key).</summary>
    public long AuthenticationFailures => Interlocked.Read(ref _authFailures);

    /// <summary>Packets dropped as replays (seen before, or too old for the window).</summary>
    public long Replays => Interlocked.Read(ref _replays);

    /// <summary>
    /// Verifies and decrypts the SRTP packet in <c>buffer[..length]</c> in place (the buffer needs 4 spare bytes
    /// past the packet's header and payload, which the tag always leaves); returns the RTP length, or -1 when dropped.
    /// </summary>
    public int UnprotectRtp(Span<byte> buffer, int length)
    {
        var tagLength = _suite.RtpTagLength;
        if (length < 12 + tagLength || SrtpPackets.RtpHeaderLength(buffer[..(length - tagLength)]) is not (> 0 and var header))
        {
            Interlocked.Increment(ref _authFailures);
            return -1;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        var rollover = GuessRollover(sequence);
        var index = ((ulong)rollover << 16) | sequence;
        if (!_rtpReplay.IsFresh(index))
        {
            Interlocked.Increment(ref _replays);
            return -1;
        }

        var end = length - tagLength;
        Span<byte> received = stackalloc byte[tagLength];
        buffer.Slice(end, tagLength).CopyTo(received);
        BinaryPrimitives.WriteUInt32BigEndian(buffer[end..], rollover);
        Span<byte> expected = stackalloc byte[tagLength];
        _ciphers.RtpKeys.Tag(buffer[..(end + 4)], expected);
        if (!CryptographicOperations.FixedTimeEquals(received, expected))
        {
            Interlocked.Increment(ref _authFailures);
            return -1;
        }

        Span<byte> iv = stackalloc byte[16];
        _ciphers.RtpKeys.WriteIv(iv, BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]), index);
        _ciphers.Rtp.Apply(iv, buffer[header..end]);
        _rtpReplay.Accept(index);
        if (_highestSequence < 0 || rollover > _rolloverCounter || (rollover == _rolloverCounter && sequence > _highestSequence))
        {
            _rolloverCounter = rollover;
            _highestSequence = sequence;
        }

        return end;
    }

    /// <summary>Verifies and (when its E flag says so) decrypts the SRTCP packet in place; returns the RTCP length, or -1.</summary>
    public int UnprotectRtcp(Span<byte> buffer, int length)
    {
        var tagLength = _suite.RtcpTagLength;
        if (length < 8 + 4 + tagLength)
        {
            Interlocked.Increment(ref _authFailures);
            return -1;
        }

        var tagAt = length - tagLength;
        Span<byte> expected = stackalloc byte[tagLength];
        _ciphers.RtcpKeys.Tag(buffer[..tagAt], expected);
        if (!CryptographicOperations.FixedTimeEquals(buffer.Slice(tagAt, tagLength), expected))
        {
            Interlocked.Increment(ref _authFailures);
            return -1;
        }

        var word = BinaryPrimitives.ReadUInt32BigEndian(buffer[(tagAt - 4)..]);
        var index = word & 0x7FFF_FFFF;
        if (!_rtcpReplay.IsFresh(index))
        {
            Interlocked.Increment(ref _replays);
            return -1;
        }

        var end = tagAt - 4;
        if ((word & 0x8000_0000) != 0)
        {
            Span<byte> iv = stackalloc byte[16];
            _ciphers.RtcpKeys.WriteIv(iv, BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]), index);
            _ciphers.Rtcp.Apply(iv, buffer[8..end]);
        }

        _rtcpReplay.Accept(index);
        return end;
    }

    /// <summary>RFC 3711 Appendix A: the rollover counter this sequence number most likely belongs to.</summary>
    private uint GuessRollover(ushort sequence)
    {
        if (_highestSequence < 0)
        {
            return _rolloverCounter;
        }

        if (_highestSequence < 0x8000)
        {
            return sequence - _highestSequence > 0x8000 && _rolloverCounter > 0 ? _rolloverCounter - 1 : _rolloverCounter;
        }

        return _highestSequence - 0x8000 > sequence ? _rolloverCounter + 1 : _rolloverCounter;
    }

    public void Dispose() => _ciphers.Dispose();
}
