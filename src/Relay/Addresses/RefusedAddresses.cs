using System.Net;
using System.Net.Sockets;

namespace Cualify.Appliance.Relay.Addresses;

/// <summary>
/// Destinations a webhook may never reach, whatever the configuration: link-local networks and the cloud
/// instance-metadata services (which hand out credentials to anything on the box that asks).
/// </summary>
public static class RefusedAddresses
{
    private static readonly HashSet<string> MetadataHostNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.oraclecloud.com",
    };

    private static readonly IPAddress AwsMetadataV6 = IPAddress.Parse("fd00:ec2::254");
    private static readonly IPAddress AlibabaMetadata = IPAddress.Parse("100.100.100.200");

    /// <summary>Why a host name is refused before any lookup, or null.</summary>
    public static string? ForHostName(string host)
    {
        var name = host.TrimEnd('.');
        return MetadataHostNames.Contains(name) ? $"{name} is a cloud metadata service" : null;
    }

    /// <summary>
    /// Why an address is refused, or null when a webhook may connect to it. An IPv6 address that carries an IPv4
    /// one (mapped, compatible, translated, NAT64, 6to4, Teredo) is refused when the IPv4 address would be.
    /// </summary>
    public static string? ForAddress(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            foreach (var embedded in EmbeddedIPv4(address))
            {
                if (ForAddress(embedded) is { } refusal)
                {
                    return $"{address} embeds {refusal}";
                }
            }
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            if (b[0] == 169 && b[1] == 254)
            {
                return b[2] == 169 && b[3] == 254
                    ? $"{address} is the cloud metadata address"
                    : $"{address} is a link-local address (169.254.0.0/16)";
            }

            if (address.Equals(AlibabaMetadata))
            {
                return $"{address} is a cloud metadata address";
            }

            if (b[0] == 0 || b[0] >= 224)
            {
                return $"{address} is not a unicast address";
            }

            return null;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            if (address.Equals(AwsMetadataV6))
            {
                return $"{address} is the cloud metadata address";
            }

            if (address.IsIPv6LinkLocal)
            {
                return $"{address} is a link-local address (fe80::/10)";
            }

            if (address.IsIPv6Multicast || address.Equals(IPAddress.IPv6Any))
            {
                return $"{address} is not a unicast address";
            }

            return null;
        }

        return $"{address} is not an IP address";
    }

    /// <summary>The IPv4 addresses an IPv6 address reaches or names, by the transition formats that embed one.</summary>
    private static IEnumerable<IPAddress> EmbeddedIPv4(IPAddress address)
    {
        var b = address.GetAddressBytes();
        var last4 = new IPAddress(b.AsSpan(12, 4));
        if (b.AsSpan(0, 10).IndexOfAnyExcept((byte)0) < 0)
        {
            // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible; not :: or ::1 themselves).
            if ((b[10] == 0xff && b[11] == 0xff) || (b[10] == 0 && b[11] == 0 && !address.Equals(IPAddress.IPv6Any) && !address.Equals(IPAddress.IPv6Loopback)))
            {
                yield return last4;
            }
        }

        ReadOnlySpan<byte> translated = [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0];
        ReadOnlySpan<byte> nat64 = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
        if (b.AsSpan(0, 12).SequenceEqual(translated) || b.AsSpan(0, 12).SequenceEqual(nat64))
        {
            yield return last4;
        }

        if (b[0] == 0x20 && b[1] == 0x02)
        {
            yield return new IPAddress(b.AsSpan(2, 4));                                   // 6to4, 2002::/16
        }

        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
        {
            yield return new IPAddress(b.AsSpan(4, 4));                                   // Teredo server
            yield return new IPAddress([(byte)~b[12], (byte)~b[13], (byte)~b[14], (byte)~b[15]]); // Teredo client
        }
    }
}
