using System.Net;
using System.Net.Http.Headers;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.RateLimits;
using Cualify.Appliance.OperatorConsole.Tests.Support;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>
/// Guessing keys at the sign-in form spends the address's budget of failed authentications, the one the API keeps.
/// A class of its own: it spends its appliance's budget for loopback, which every other test signs in from.
/// </summary>
public sealed class SignInLimitTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    [Fact]
    public async Task Past_the_failed_sign_in_budget_even_the_right_key_is_refused_with_429_at_the_console_and_the_api()
    {
        var key = await Fixture.Harness.KeyAsync(Scope.Read);
        using var http = ConsoleHttp.Client(Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/signin"));

        for (var i = 0; i < AuthenticationFailures.PerMinute; i++)
        {
            var refused = await http.PostFormAsync("/console/session", [new("__RequestVerificationToken", token), new("api_key", $"cuk_live_guess{i:D4}_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")]);
            Assert.Equal(HttpStatusCode.SeeOther, refused.StatusCode);
            Assert.Equal("/console/signin?refused=1", refused.Headers.Location?.ToString());
        }

        var limited = await http.PostFormAsync("/console/session", [new("__RequestVerificationToken", token), new("api_key", key)]);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("Too many failed sign-ins", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(limited.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("cualify_console=", StringComparison.Ordinal)));

        using var api = new HttpClient { BaseAddress = Fixture.BaseAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.GetAsync("/api/v1/credits")).StatusCode);
    }
}
