namespace Cualify.Appliance.Dialer.Sip.Media.Srtp;

/// <summary>The 64-packet replay list of RFC 3711 §3.3.2: a packet at or behind the window, or seen in it, is refused.</summary>
internal sealed class SrtpReplayWindow
{
    private const int Size = 64;
    private ulong _highest;
    private ulong _seen;
    private bool _started;

    public bool IsFresh(ulong index)
    {
        if (!_started || index > _highest)
        {
            return true;
        }

        var behind = _highest - index;
        return behind < Size && (_seen & (1UL << (int)behind)) == 0;
    }

    /// <summary>Records an authenticated packet.</summary>
    public void Accept(ulong index)
    {
        if (!_started)
        {
            _started = true;
            _highest = index;
            _seen = 1;
        }
        else if (index > _highest)
        {
            var ahead = index - _highest;
            _seen = ahead >= Size ? 1 : (_seen << (int)ahead) | 1;
            _highest = index;
        }
        else
        {
            _seen |= 1UL << (int)(_highest - index);
        }
    }
}
