using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>The <c>CSeq</c> header (RFC 3261 §20.16): a sequence number below 2^31 and a method.</summary>
public readonly record struct CSeq(uint Number, string Method)
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out CSeq? cseq)
    {
        cseq = null;
        if (text is null)
        {
            return false;
        }

        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length != 2 ||
            !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var number) ||
            number >= 1u << 31 ||
            !SipText.IsToken(parts[1]))
        {
            return false;
        }

        cseq = new CSeq(number, parts[1]);
        return true;
    }

    public override string ToString() => $"{Number.ToString(CultureInfo.InvariantCulture)} {Method}";
}
