using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.Mailer.Sending;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Cualify.Appliance.LocalApi.Sequences;

/// <summary>
/// The public links in sequence emails, reached without a key: one-click unsubscribe (RFC 8058: a POST that
/// answers directly, never redirects) with a confirmation page for people who open the link, and the open pixel.
/// </summary>
public static class MailLinkEndpoints
{
    // 1×1 transparent GIF.
    private static readonly byte[] Pixel = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static RouteGroupBuilder MapMailLinks(this RouteGroupBuilder group)
    {
        group.MapPost(MailLinks.UnsubscribeRoute, UnsubscribeAsync).AllowWithoutKey().DisableAntiforgery().Produces<string>(200, "text/html")
            .WithSummary("Unsubscribe (one-click)")
            .WithDescription("The RFC 8058 one-click unsubscribe of a sequence email: opts the recipient out of email and answers with a confirmation page. No key: the token in the link names the recipient.");
        group.MapGet(MailLinks.UnsubscribeRoute, ConfirmPage).AllowWithoutKey().Produces<string>(200, "text/html")
            .WithSummary("Unsubscribe page")
            .WithDescription("The page a person sees on opening the unsubscribe link: one button that sends the POST. Opening it changes nothing.");
        group.MapGet(MailLinks.OpenRoute, OpenAsync).AllowWithoutKey().Produces<byte[]>(200, "image/gif")
            .WithSummary("Open-tracking pixel")
            .WithDescription("A 1x1 GIF that records the email as opened.");
        return group;
    }

    private static async Task<ContentHttpResult> UnsubscribeAsync(string token, HttpContext context, MailFeedback feedback)
    {
        if (!await feedback.UnsubscribeAsync(token, "unsubscribe_link", context.RequestAborted))
        {
            throw ApplianceException.NotFound("Unsubscribe link", "token");
        }

        return TypedResults.Content(Page("You are unsubscribed", "You will get no more of these emails."), "text/html; charset=utf-8");
    }

    /// <summary>Opening the link shows a button; only the POST unsubscribes, so link scanners that fetch it change nothing.</summary>
    private static ContentHttpResult ConfirmPage(string token) =>
        TypedResults.Content(Page("Unsubscribe", $"""
            <form method="post" action="{System.Net.WebUtility.HtmlEncode(token)}"><button type="submit">Unsubscribe from these emails</button></form>
            """), "text/html; charset=utf-8");

    private static async Task<FileContentHttpResult> OpenAsync(string token, HttpContext context, MailFeedback feedback)
    {
        await feedback.OpenAsync(token, context.RequestAborted);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(Pixel, "image/gif");
    }

    private static string Page(string title, string content) =>
        $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body style=\"font-family:sans-serif\"><h1>{title}</h1><p>{content}</p></body></html>";
}
