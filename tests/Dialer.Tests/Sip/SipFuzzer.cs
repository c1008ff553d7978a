using System.Text;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// Produces hostile datagrams from a seeded random source: pure noise, and valid SIP messages mutated by flipping
/// bytes, cutting, duplicating or swapping lines, lying in Content-Length, dropping the blank line, or padding
/// headers with junk. Seeded, so a failure can be replayed.
/// </summary>
public sealed class SipFuzzer(int seed)
{
    private static readonly string[] Seeds =
    [
        "INVITE sip:+15550001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:+15550001@127.0.0.1>\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 INVITE\r\nContact: <sip:a@10.0.0.9>\r\nContent-Type: application/sdp\r\nContent-Length: 46\r\n\r\nv=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 0 RTP\r\n",
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>;tag=t{0}\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 INVITE\r\nContact: <sip:c@127.0.0.1>\r\nRecord-Route: <sip:p1;lr>,<sip:p2>\r\nContent-Length: 0\r\n\r\n",
        "BYE sip:cualify@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK{0};rport\r\nf: <sip:a@b>;tag=f{0}\r\nt: <sip:c@d>;tag=t{0}\r\ni: {0}@fuzz\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n",
        "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>;tag=t{0}\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 INVITE\r\nWWW-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n",
        "NOTIFY sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h:1;branch=z9hG4bK{0}\r\nFrom: \"Fuzz, Inc\" <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>;tag=t{0}\r\nCall-ID: {0}@fuzz\r\nCSeq: 3 NOTIFY\r\nEvent: refer\r\nSubscription-State: terminated\r\nContent-Type: message/sipfrag\r\nContent-Length: 16\r\n\r\nSIP/2.0 200 OK\r\n",
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nSubject: folded\r\n  line\r\n\r\n",
        "CANCEL sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 CANCEL\r\n\r\n",
        "ACK sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK{0}\r\nFrom: <sip:a@b>;tag=f{0}\r\nTo: <sip:c@d>;tag=t\r\nCall-ID: {0}@fuzz\r\nCSeq: 1 ACK\r\n\r\n",
    ];

    private static readonly string[] Junk = ["\0", "\r", "\n", ":", ";", "<", ">", "\"", ",", " ", "\t", "=", "%", "@", "[", "]", "9999999999999", "-1", "\u00ff", "\ud83d\ude00"];

    private readonly Random _random = new(seed);

    public byte[] Next()
    {
        return _random.Next(10) switch
        {
            0 => Noise(),
            1 => Encoding.UTF8.GetBytes(Valid()),
            _ => Mutate(Valid()),
        };
    }

    private string Valid() => string.Format(Seeds[_random.Next(Seeds.Length)], _random.Next(1000));

    private byte[] Noise()
    {
        var bytes = new byte[_random.Next(0, 1500)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private byte[] Mutate(string message)
    {
        var lines = message.Split("\r\n").ToList();
        for (var round = _random.Next(1, 4); round > 0; round--)
        {
            var index = _random.Next(lines.Count);
            switch (_random.Next(9))
            {
                case 0:
                    lines.RemoveAt(index);
                    break;
                case 1:
                    lines.Insert(index, lines[_random.Next(lines.Count)]);
                    break;
                case 2:
                    lines[index] = lines[index].Insert(_random.Next(lines[index].Length + 1), Junk[_random.Next(Junk.Length)]);
                    break;
                case 3:
                    lines[index] = lines[index][.._random.Next(lines[index].Length + 1)];
                    break;
                case 4:
                    lines[index] = "Content-Length: " + _random.Next(-5, 5000);
                    break;
                case 5:
                    (lines[index], lines[0]) = (lines[0], lines[index]);
                    break;
                case 6:
                    lines.Insert(index, " continued " + new string('x', _random.Next(0, 3000)));
                    break;
                case 7:
                    lines[index] = lines[index].ToUpperInvariant();
                    break;
                default:
                    lines.Insert(index, $"X-{_random.Next()}: {new string(';', _random.Next(0, 50))}");
                    break;
            }

            if (lines.Count == 0)
            {
                lines.Add("");
            }
        }

        var bytes = Encoding.UTF8.GetBytes(string.Join("\r\n", lines));
        if (_random.Next(4) == 0 && bytes.Length > 0)
        {
            for (var flips = _random.Next(1, 8); flips > 0; flips--)
            {
                bytes[_random.Next(bytes.Length)] ^= (byte)(1 << _random.Next(8));
            }
        }

        if (_random.Next(10) == 0)
        {
            bytes = bytes[.._random.Next(bytes.Length + 1)];
        }

        return bytes;
    }
}
