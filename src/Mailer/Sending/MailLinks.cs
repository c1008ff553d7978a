
using Cualify.Appliance.Core.Api;

namespace Cualify.Appliance.Mailer.Sending;

/// <summary>The public links in outgoing mail (they work only when Api:PublicBaseUrl is set).</summary>
public static class MailLinks
{
    /// <summary>Routes under <c>/api/v1/sequences</c>.</summary>
    public const string UnsubscribeRoute = "/unsubscribe/{token}";

    public const string OpenRoute = "/open/{token}";

    public static Uri? Unsubscribe(ApiOptions api, string token) =>
        api.PublicBase is { } root ? new Uri(root, $"api/v1/sequences/unsubscribe/{token}") : null;

    public static Uri? Open(ApiOptions api, string token) =>
        api.PublicBase is { } root ? new Uri(root, $"api/v1/sequences/open/{token}") : null;

    /// <summary>The mailto unsubscribe: a message to the sending mailbox whose subject carries the token.</summary>
    public static string MailtoUnsubscribe(string mailbox, string token) => $"mailto:{mailbox}?subject=unsubscribe%20{token}";
}
