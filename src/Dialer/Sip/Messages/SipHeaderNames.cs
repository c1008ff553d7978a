namespace Cualify.Appliance.Dialer.Sip.Messages;

/// <summary>Header names the stack uses, their compact forms (RFC 3261 §7.3.3, RFC 3515) and which may hold lists.</summary>
public static class SipHeaderNames
{
    public const string Via = "Via";
    public const string From = "From";
    public const string To = "To";
    public const string CallId = "Call-ID";
    public const string CSeq = "CSeq";
    public const string Contact = "Contact";
    public const string MaxForwards = "Max-Forwards";
    public const string Route = "Route";
    public const string RecordRoute = "Record-Route";
    public const string ContentType = "Content-Type";
    public const string ContentLength = "Content-Length";
    public const string ContentEncoding = "Content-Encoding";
    public const string UserAgent = "User-Agent";
    public const string Server = "Server";
    public const string Allow = "Allow";
    public const string Supported = "Supported";
    public const string Require = "Require";
    public const string Expires = "Expires";
    public const string WwwAuthenticate = "WWW-Authenticate";
    public const string ProxyAuthenticate = "Proxy-Authenticate";
    public const string Authorization = "Authorization";
    public const string ProxyAuthorization = "Proxy-Authorization";
    public const string PAssertedIdentity = "P-Asserted-Identity";
    public const string ReferTo = "Refer-To";
    public const string ReferredBy = "Referred-By";
    public const string Event = "Event";
    public const string SubscriptionState = "Subscription-State";
    public const string Subject = "Subject";
    public const string Reason = "Reason";
    public const string Accept = "Accept";

    private static readonly Dictionary<string, string> Compact = new(StringComparer.OrdinalIgnoreCase)
    {
        ["v"] = Via, ["f"] = From, ["t"] = To, ["i"] = CallId, ["m"] = Contact, ["l"] = ContentLength,
        ["c"] = ContentType, ["e"] = ContentEncoding, ["k"] = Supported, ["s"] = Subject, ["o"] = Event,
        ["r"] = ReferTo, ["b"] = ReferredBy, ["u"] = "Allow-Events",
    };

    private static readonly Dictionary<string, string> Known = new[]
    {
        Via, From, To, CallId, CSeq, Contact, MaxForwards, Route, RecordRoute, ContentType, ContentLength,
        ContentEncoding, UserAgent, Server, Allow, Supported, Require, Expires, WwwAuthenticate, ProxyAuthenticate,
        Authorization, ProxyAuthorization, PAssertedIdentity, ReferTo, ReferredBy, Event, SubscriptionState,
        Subject, Reason, Accept,
    }.ToDictionary(name => name, StringComparer.OrdinalIgnoreCase);

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> CompactBySpan = Compact.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> KnownBySpan = Known.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Headers whose values may be sent comma-separated on one line and are split into one entry each.</summary>
    private static readonly HashSet<string> Lists = new(StringComparer.OrdinalIgnoreCase) { Via, Route, RecordRoute, Contact };

    /// <summary>The long, canonically cased form of <paramref name="name"/> (compact forms expanded).</summary>
    public static string Canonical(string name) =>
        Compact.TryGetValue(name, out var full) ? full : Known.TryGetValue(name, out var known) ? known : name;

    /// <summary>As <see cref="Canonical(string)"/> for a name still inside a message's text: a known name costs no new string.</summary>
    public static string Canonical(ReadOnlySpan<char> name) =>
        CompactBySpan.TryGetValue(name, out var full) ? full : KnownBySpan.TryGetValue(name, out var known) ? known : name.ToString();

    public static bool IsList(string canonicalName) => Lists.Contains(canonicalName);
}
