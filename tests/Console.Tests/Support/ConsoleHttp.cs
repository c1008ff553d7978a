using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>Plain HTTP against the console, carrying a browser's cookies, for what a page cannot show (forged posts, headers).</summary>
public static partial class ConsoleHttp
{
    public static HttpClient Client(Uri baseAddress, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer(), UseCookies = true })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>A client holding the same cookies as the page's browser context (its session and anti-forgery cookie).</summary>
    public static async Task<HttpClient> LikeAsync(IPage page, Uri baseAddress)
    {
        var jar = new CookieContainer();
        foreach (var cookie in await page.Context.CookiesAsync())
        {
            jar.Add(baseAddress, new System.Net.Cookie(cookie.Name, cookie.Value, cookie.Path));
        }

        return Client(baseAddress, jar);
    }

    public static Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        client.PostAsync(path, new FormUrlEncodedContent(fields));

    /// <summary>The anti-forgery token a page's forms carry.</summary>
    public static string TokenIn(string html) =>
        TokenField().Match(html) is { Success: true } match ? match.Groups["token"].Value : throw new Xunit.Sdk.XunitException("The page has no anti-forgery token");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();
}
