using System.Globalization;
using System.Net;
using System.Text;

namespace Cualify.Appliance.Relay.Addresses;

/// <summary>
/// One spelling per destination, so that every check sees the host the connection will reach: Unicode
/// compatibility forms folded (full-width digits and dots), ideographic full stops read as dots, IDN names in
/// their ASCII form, trailing root dots dropped, lower case; IP literals parsed the way a resolver reads them
/// (decimal, octal and hex IPv4 forms; bracketed IPv6).
/// </summary>
public static class HostNames
{
    /// <summary>The canonical host, with <paramref name="address"/> set when it is an IP literal; null when it is no valid host.</summary>
    public static string? Canonical(string host, out IPAddress? address)
    {
        address = null;
        var name = host.Trim();
        if (name.StartsWith('[') && name.EndsWith(']'))
        {
            name = name[1..^1];
        }

        if (name.Contains(':'))
        {
            // Only an IPv6 literal has colons; a zone (%eth0) never makes a refused address acceptable.
            var withoutZone = name.Split('%')[0];
            if (!IPAddress.TryParse(withoutZone, out var v6))
            {
                return null;
            }

            address = v6;
            return v6.ToString();
        }

        name = name.Normalize(NormalizationForm.FormKC).Replace('\u3002', '.').TrimEnd('.');
        if (name.Length == 0)
        {
            return null;
        }

        if (!name.All(char.IsAscii))
        {
            try
            {
                name = new IdnMapping().GetAscii(name);
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        name = name.ToLowerInvariant();
        if (ParseIPv4Numbers(name) is { } v4)
        {
            address = v4;
            return v4.ToString();
        }

        return name;
    }

    /// <summary>
    /// Reads an IPv4 address as inet_aton does: one to four parts, each decimal, octal (leading 0) or hex (0x),
    /// the last part filling the remaining bytes (<c>2852039166</c>, <c>0251.0376.0251.0376</c>, <c>169.254.43518</c>).
    /// Null for anything else, which is then a name.
    /// </summary>
    private static IPAddress? ParseIPv4Numbers(string name)
    {
        var parts = name.Split('.');
        if (parts.Length > 4)
        {
            return null;
        }

        var values = new ulong[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (ParseNumber(parts[i]) is not { } value)
            {
                return null;
            }

            values[i] = value;
        }

        ulong result = 0;
        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 255)
            {
                return null;
            }

            result |= values[i] << (8 * (3 - i));
        }

        var last = values[^1];
        var lastBits = 8 * (4 - (values.Length - 1));
        if (lastBits < 64 && last >= 1UL << lastBits)
        {
            return null;
        }

        result |= last;
        return new IPAddress([(byte)(result >> 24), (byte)(result >> 16), (byte)(result >> 8), (byte)result]);
    }

    private static ulong? ParseNumber(string part)
    {
        if (part.Length == 0 || part.Length > 32)
        {
            return null;
        }

        if (part.StartsWith("0x", StringComparison.Ordinal))
        {
            return part.Length > 2 && part[2..].All(char.IsAsciiHexDigit)
                   && ulong.TryParse(part[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : null;
        }

        if (!part.All(char.IsAsciiDigit))
        {
            return null;
        }

        if (part.Length > 1 && part[0] == '0')
        {
            if (!part.All(c => c is >= '0' and <= '7'))
            {
                return null;
            }

            ulong octal = 0;
            foreach (var c in part)
            {
                octal = (octal * 8) + (ulong)(c - '0');
                if (octal > uint.MaxValue)
                {
                    return null;
                }
            }

            return octal;
        }

        return ulong.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var dec) ? dec : null;
    }
}
