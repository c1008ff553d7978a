using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Cualify.Appliance.Dialer.Sip.Messages;

namespace Cualify.Appliance.Dialer.Sip.Sdp;

/// <summary>An SDP session description (RFC 4566): the session lines we use and each media section.</summary>
public sealed class SessionDescription
{
    public string Origin { get; init; } = "- 0 0 IN IP4 0.0.0.0";

    public string SessionName { get; init; } = "-";

    /// <summary>The session-level <c>c=</c> address, if any.</summary>
    public string? ConnectionAddress { get; init; }

    public List<SdpAttribute> Attributes { get; } = [];

    public List<MediaDescription> Media { get; } = [];

    public static bool TryParse(string text, [NotNullWhen(true)] out SessionDescription? description)
    {
        description = null;
        string? origin = null, name = null, connection = null;
        var sessionAttributes = new List<SdpAttribute>();
        var media = new List<MediaDescription>();
        MediaDescription? current = null;
        var sawVersion = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Length < 2 || line[1] != '=')
            {
                return false;
            }

            var value = line[2..];
            switch (line[0])
            {
                case 'v':
                    sawVersion = value.Trim() == "0";
                    break;
                case 'o':
                    origin = value;
                    break;
                case 's':
                    name = value;
                    break;
                case 'c':
                    if (!TryParseConnection(value, out var address))
                    {
                        return false;
                    }

                    if (current is null)
                    {
                        connection = address;
                    }
                    else
                    {
                        current.ConnectionAddress = address;
                    }

                    break;
                case 'm':
                    if (!MediaDescription.TryParse(value, out current))
                    {
                        return false;
                    }

                    media.Add(current);
                    break;
                case 'a':
                    (current?.Attributes ?? sessionAttributes).Add(SdpAttribute.Parse(value));
                    break;
            }
        }

        if (!sawVersion || origin is null)
        {
            return false;
        }

        description = new SessionDescription { Origin = origin, SessionName = name ?? "-", ConnectionAddress = connection };
        description.Attributes.AddRange(sessionAttributes);
        description.Media.AddRange(media);
        return true;
    }

    /// <summary><c>IN IP4 addr</c> or <c>IN IP6 addr</c>, dropping any multicast TTL/count suffix.</summary>
    private static bool TryParseConnection(string value, out string address)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        address = parts.Length == 3 ? parts[2].Split('/')[0] : "";
        return parts.Length == 3 && parts[0] == "IN" && parts[1] is "IP4" or "IP6";
    }

    public override string ToString()
    {
        // The thread's cached builder, sized for a usual offer: no new buffer per offer or answer.
        var text = CachedStringBuilder.Acquire();
        text.Append("v=0\r\n");
        text.Append("o=").Append(Origin).Append("\r\n");
        text.Append("s=").Append(SessionName).Append("\r\n");
        if (ConnectionAddress is not null)
        {
            text.Append("c=IN ").Append(ConnectionAddress.Contains(':') ? "IP6 " : "IP4 ").Append(ConnectionAddress).Append("\r\n");
        }

        text.Append("t=0 0\r\n");
        foreach (var attribute in Attributes)
        {
            attribute.AppendLine(text);
        }

        foreach (var media in Media)
        {
            text.Append("m=").Append(media.Kind).Append(' ').Append(media.Port.ToString(CultureInfo.InvariantCulture))
                .Append(' ').Append(media.Protocol).Append(' ');
            for (var i = 0; i < media.Formats.Count; i++)
            {
                (i == 0 ? text : text.Append(' ')).Append(media.Formats[i]);
            }

            text.Append("\r\n");
            if (media.ConnectionAddress is not null)
            {
                text.Append("c=IN ").Append(media.ConnectionAddress.Contains(':') ? "IP6 " : "IP4 ").Append(media.ConnectionAddress).Append("\r\n");
            }

            foreach (var attribute in media.Attributes)
            {
                attribute.AppendLine(text);
            }
        }

        return CachedStringBuilder.ToStringAndRelease(text);
    }
}

/// <summary>An <c>a=name[:value]</c> line.</summary>
public sealed record SdpAttribute(string Name, string? Value)
{
    public static SdpAttribute Parse(string text)
    {
        var colon = text.IndexOf(':');
        return colon < 0 ? new SdpAttribute(text.Trim(), null) : new SdpAttribute(text[..colon].Trim(), text[(colon + 1)..].Trim());
    }

    public override string ToString() => Value is null ? Name : Name + ":" + Value;

    /// <summary>Appends <c>a=name[:value]</c> and CRLF, without the attribute's text as a string of its own.</summary>
    internal void AppendLine(StringBuilder text)
    {
        text.Append("a=").Append(Name);
        if (Value is not null)
        {
            text.Append(':').Append(Value);
        }

        text.Append("\r\n");
    }
}
