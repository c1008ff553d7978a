namespace Cualify.Appliance.Dialer.Sip.Media;

/// <summary>
/// Turns RFC 4733 telephone-event packets into digits. One key press arrives as many packets sharing one RTP
/// timestamp (updates while the key is held, then the end packet three times); the digit is reported once, on the
/// first packet of a new event, and every later packet of that event (end bit or not, duplicated or late) is ignored.
/// </summary>
public sealed class DtmfReceiver
{
    private const int Remembered = 8;
    private readonly uint[] _recentTimestamps = new uint[Remembered];
    private readonly uint[] _recentSsrcs = new uint[Remembered];
    private int _count;
    private int _next;

    /// <summary>The digit of a new event in <paramref name="payload"/>, or null for a repeat, an unknown event or garbage.</summary>
    public char? Accept(uint ssrc, uint timestamp, ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            return null;
        }

        var digit = DigitOf(payload[0]);
        if (digit is null || Seen(ssrc, timestamp))
        {
            return null;
        }

        _recentTimestamps[_next] = timestamp;
        _recentSsrcs[_next] = ssrc;
        _next = (_next + 1) % Remembered;
        _count = Math.Min(_count + 1, Remembered);
        return digit;
    }

    /// <summary>RFC 4733 §3.2: events 0–9, 10 = *, 11 = #, 12–15 = A–D; others (flash…) are not digits.</summary>
    public static char? DigitOf(byte eventCode) => eventCode switch
    {
        <= 9 => (char)('0' + eventCode),
        10 => '*',
        11 => '#',
        >= 12 and <= 15 => (char)('A' + eventCode - 12),
        _ => null,
    };

    private bool Seen(uint ssrc, uint timestamp)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_recentTimestamps[i] == timestamp && _recentSsrcs[i] == ssrc)
            {
                return true;
            }
        }

        return false;
    }
}
