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

    /// <summary>Why an address is refused, or null when a webhook may connect to it.</summary>
    public static string? ForAddress(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedNat64(address) is { } embedded)
        {
            address = embedded;
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

    /// <summary>The IPv4 address inside a NAT64 address (64:ff9b::/96), which reaches that IPv4 host.</summary>
    private static IPAddress? EmbeddedNat64(IPAddress address)
    {
        var b = address.GetAddressBytes();
        ReadOnlySpan<byte> prefix = [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];
        return b.AsSpan(0, 12).SequenceEqual(prefix) ? new IPAddress(b.AsSpan(12, 4)) : null;
    }
}
