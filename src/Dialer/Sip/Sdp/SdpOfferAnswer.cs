using System.Globalization;
using System.Net;

namespace Cualify.Appliance.Dialer.Sip.Sdp;

/// <summary>What an offer/answer exchange settled for one call's audio.</summary>
/// <param name="Remote">Where to send RTP; null when the peer holds the call (address 0.0.0.0) or will not receive.</param>
/// <param name="Codec">The format to send in: the first of the answer's formats that we offered.</param>
/// <param name="TelephoneEventPayloadType">The peer's payload type for RFC 4733 events, if it accepted them.</param>
/// <param name="LocalCrypto">Our SDES line the peer chose (its tag and suite), when SRTP was agreed.</param>
/// <param name="RemoteCrypto">The peer's SDES line with the key it sends with, when SRTP was agreed.</param>
public sealed record NegotiatedMedia(
    IPEndPoint? Remote, AudioCodec Codec, int? TelephoneEventPayloadType, SdesCrypto? LocalCrypto = null, SdesCrypto? RemoteCrypto = null);

/// <summary>Builds our SDP offer and reads the answer (RFC 3264 §5, §6, §8).</summary>
public static class SdpOfferAnswer
{
    /// <param name="crypto">SDES lines to offer (SRTP), or null for plain RTP.</param>
    /// <param name="secureProfile">Offer <c>RTP/SAVP</c> (SRTP required) rather than <c>RTP/AVP</c> with the crypto lines as an option.</param>
    public static SessionDescription Offer(
        IPAddress address, int rtpPort, IReadOnlyList<AudioCodec> codecs, long sessionId, long version,
        IReadOnlyList<SdesCrypto>? crypto = null, bool secureProfile = false)
    {
        var host = address.ToString();
        var offer = new SessionDescription
        {
            Origin = string.Create(CultureInfo.InvariantCulture, $"- {sessionId} {version} IN {(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4")} {host}"),
            SessionName = "Cualify",
            ConnectionAddress = host,
        };
        var formats = codecs.Select(c => c.PayloadType.ToString(CultureInfo.InvariantCulture)).ToList();
        formats.Add(AudioCodec.TelephoneEventPayloadType.ToString(CultureInfo.InvariantCulture));
        var audio = new MediaDescription { Kind = "audio", Port = rtpPort, Protocol = secureProfile ? "RTP/SAVP" : "RTP/AVP", Formats = formats };
        foreach (var codec in codecs)
        {
            audio.Attributes.Add(new SdpAttribute("rtpmap", string.Create(CultureInfo.InvariantCulture, $"{codec.PayloadType} {codec.Name}/{AudioCodec.ClockRate}")));
        }

        audio.Attributes.Add(new SdpAttribute("rtpmap", $"{AudioCodec.TelephoneEventPayloadType} telephone-event/8000"));
        audio.Attributes.Add(new SdpAttribute("fmtp", $"{AudioCodec.TelephoneEventPayloadType} 0-16"));
        audio.Attributes.Add(new SdpAttribute("ptime", "20"));
        audio.Attributes.Add(new SdpAttribute("sendrecv", null));
        foreach (var line in crypto ?? [])
        {
            audio.Attributes.Add(line.ToAttribute());
        }

        offer.Media.Add(audio);
        return offer;
    }

    /// <summary>
    /// Reads <paramref name="answer"/> against what we <paramref name="offered"/>. Returns null with
    /// <paramref name="failure"/> set when no audio format is common (the call then ends <c>no_common_codec</c>).
    /// </summary>
    /// <param name="offeredCrypto">The SDES lines we offered: the answer's line with the same tag and suite agrees SRTP.</param>
    public static NegotiatedMedia? Negotiate(
        SessionDescription answer, IReadOnlyList<AudioCodec> offered, out string? failure, IReadOnlyList<SdesCrypto>? offeredCrypto = null)
    {
        failure = null;
        var audio = answer.Media.FirstOrDefault(m => m.Kind == "audio");
        if (audio is null || audio.Port == 0)
        {
            failure = "the answer rejected the audio stream";
            return null;
        }

        AudioCodec? codec = null;
        int? telephoneEvent = null;
        foreach (var format in audio.Formats)
        {
            var map = audio.RtpMap(format);
            var name = map?.Encoding ?? format switch { "0" => "PCMU", "8" => "PCMA", _ => "" };
            if (name.Equals("telephone-event", StringComparison.OrdinalIgnoreCase) && map?.ClockRate == 8000 &&
                int.TryParse(format, NumberStyles.None, CultureInfo.InvariantCulture, out var eventType))
            {
                telephoneEvent ??= eventType;
                continue;
            }

            var candidate = offered.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (codec is null && candidate is not null && (map is null || map.Value.ClockRate == AudioCodec.ClockRate))
            {
                codec = candidate;
            }
        }

        if (codec is null)
        {
            failure = "no audio format in common";
            return null;
        }

        var address = audio.ConnectionAddress ?? answer.ConnectionAddress;
        IPEndPoint? remote = null;
        if (audio.Direction is "sendrecv" or "recvonly" &&
            IPAddress.TryParse(address, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any))
        {
            remote = new IPEndPoint(ip, audio.Port);
        }

        foreach (var theirs in offeredCrypto is null ? [] : SdesCrypto.In(audio))
        {
            if (offeredCrypto!.FirstOrDefault(o => o.Tag == theirs.Tag && o.Suite == theirs.Suite) is { } ours)
            {
                return new NegotiatedMedia(remote, codec, telephoneEvent, ours, theirs);
            }
        }

        return new NegotiatedMedia(remote, codec, telephoneEvent);
    }

    /// <summary>
    /// Reads a peer's re-offer (RFC 3264 §8) like an answer; SRTP is agreed on the first of the peer's
    /// <c>a=crypto</c> lines whose suite we have a key for (RFC 4568 §7.1.2: the answer carries that line's tag and
    /// our key), whatever the tags we used in our own offer.
    /// </summary>
    public static NegotiatedMedia? NegotiateOffer(
        SessionDescription offer, IReadOnlyList<AudioCodec> codecs, out string? failure, IReadOnlyList<SdesCrypto>? ourKeys)
    {
        if (Negotiate(offer, codecs, out failure) is not { } media)
        {
            return null;
        }

        var audio = offer.Media.First(m => m.Kind == "audio");
        foreach (var theirs in ourKeys is null ? [] : SdesCrypto.In(audio))
        {
            if (ourKeys!.FirstOrDefault(o => o.Suite == theirs.Suite) is { } ours)
            {
                return media with { LocalCrypto = ours.WithTag(theirs.Tag), RemoteCrypto = theirs };
            }
        }

        return media;
    }

    /// <summary>
    /// Our answer to a peer's re-offer (RFC 3264 §6, §8): the negotiated codec and the peer's telephone-event type,
    /// our address and port, the mirrored direction, and our origin with <paramref name="version"/>.
    /// </summary>
    public static SessionDescription Answer(SessionDescription offer, SessionDescription ours, NegotiatedMedia media, long version)
    {
        var originParts = ours.Origin.Split(' ');
        originParts[2] = version.ToString(CultureInfo.InvariantCulture);
        var ourAudio = ours.Media[0];
        var answer = new SessionDescription
        {
            Origin = string.Join(' ', originParts),
            SessionName = ours.SessionName,
            ConnectionAddress = ours.ConnectionAddress,
        };
        var formats = new List<string> { media.Codec.PayloadType.ToString(CultureInfo.InvariantCulture) };
        if (media.TelephoneEventPayloadType is { } eventType)
        {
            formats.Add(eventType.ToString(CultureInfo.InvariantCulture));
        }

        var offeredAudio = offer.Media.FirstOrDefault(m => m.Kind == "audio");
        var audio = new MediaDescription { Kind = "audio", Port = ourAudio.Port, Protocol = offeredAudio?.Protocol ?? "RTP/AVP", Formats = formats };
        audio.Attributes.Add(new SdpAttribute("rtpmap", string.Create(CultureInfo.InvariantCulture, $"{media.Codec.PayloadType} {media.Codec.Name}/{AudioCodec.ClockRate}")));
        if (media.TelephoneEventPayloadType is { } type)
        {
            audio.Attributes.Add(new SdpAttribute("rtpmap", string.Create(CultureInfo.InvariantCulture, $"{type} telephone-event/8000")));
            audio.Attributes.Add(new SdpAttribute("fmtp", string.Create(CultureInfo.InvariantCulture, $"{type} 0-16")));
        }

        audio.Attributes.Add(new SdpAttribute("ptime", "20"));
        var offered = offeredAudio?.Direction ?? "sendrecv";
        audio.Attributes.Add(new SdpAttribute(offered switch { "sendonly" => "recvonly", "recvonly" => "sendonly", "inactive" => "inactive", _ => "sendrecv" }, null));
        if (media.LocalCrypto is { } crypto)
        {
            audio.Attributes.Add(crypto.ToAttribute());
        }

        answer.Media.Add(audio);
        return answer;
    }
}
