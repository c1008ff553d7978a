using System.Text;

namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>
/// One <see cref="StringBuilder"/> per thread for the text of headers and SDP: thousands of messages a second each
/// built a few, and each builder's buffer was garbage a moment later. Take it, append, then
/// <see cref="ToStringAndRelease"/>; a builder taken while another is out (a URI inside a name-addr) is a new one.
/// </summary>
internal static class CachedStringBuilder
{
    /// <summary>Builders that grew past this (a long SDP) are not kept.</summary>
    private const int MaxKeptCapacity = 2048;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    public static StringBuilder Acquire()
    {
        var builder = t_cached;
        if (builder is null)
        {
            return new StringBuilder(512);
        }

        t_cached = null;
        return builder.Clear();
    }

    public static string ToStringAndRelease(StringBuilder builder)
    {
        var text = builder.ToString();
        if (builder.Capacity <= MaxKeptCapacity)
        {
            t_cached = builder;
        }

        return text;
    }
}
