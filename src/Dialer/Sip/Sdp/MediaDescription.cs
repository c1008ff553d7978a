using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cualify.Appliance.Dialer.Sip.Sdp;

/// <summary>One <c>m=</c> section: kind, port, protocol, formats, its own <c>c=</c> and attributes.</summary>
public sealed class MediaDescription
{
    public required string Kind { get; init; }

    public required int Port { get; init; }

    public required string Protocol { get; init; }

    public required List<string> Formats { get; init; }

    public string? ConnectionAddress { get; set; }

    public List<SdpAttribute> Attributes { get; } = [];

    /// <summary><c>sendrecv</c> (the default), <c>sendonly</c>, <c>recvonly</c> or <c>inactive</c>.</summary>
    public string Direction =>
        Attributes.LastOrDefault(a => a.Value is null && a.Name is "sendrecv" or "sendonly" or "recvonly" or "inactive")?.Name ?? "sendrecv";

    /// <summary>The <c>a=rtpmap</c> of <paramref name="payloadType"/> as (encoding, clock rate), or null.</summary>
    public (string Encoding, int ClockRate)? RtpMap(string payloadType)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Name != "rtpmap" || attribute.Value is null)
            {
                continue;
            }

            var space = attribute.Value.IndexOf(' ');
            if (space <= 0 || attribute.Value[..space] != payloadType)
            {
                continue;
            }

            var parts = attribute.Value[(space + 1)..].Split('/');
            if (parts.Length >= 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var rate))
            {
                return (parts[0], rate);
            }
        }

        return null;
    }

    public static bool TryParse(string value, [NotNullWhen(true)] out MediaDescription? media)
    {
        media = null;
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 4)
        {
            return false;
        }

        var portText = parts[1].Split('/')[0];
        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            return false;
        }

        media = new MediaDescription { Kind = parts[0], Port = port, Protocol = parts[2], Formats = [.. parts[3..]] };
        return true;
    }
}
