using System.Net;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Paging;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Sign-in with an API key, the session cookie, scopes, revocation, sign-out and the org switcher, in Chromium.</summary>
public sealed class SessionTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task Without_a_session_every_console_page_redirects_to_sign_in_with_303()
    {
        using var http = ConsoleHttp.Client(Fixture.BaseAddress);
        foreach (var path in new[] { "/console", "/console/live", "/console/calls/0190aaaa", "/console/system" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal("/console/signin", response.Headers.Location?.ToString());
        }

        var post = await http.PostFormAsync("/console/calls/x/hangup", []);
        Assert.Equal(HttpStatusCode.SeeOther, post.StatusCode);
        var signIn = await http.GetAsync("/console/signin");
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        Assert.Contains("API key", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var css = await http.GetAsync("/console/assets/console.css");
        Assert.Equal("text/css", css.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Signing_in_sets_an_HttpOnly_SameSite_Strict_sliding_cookie_scoped_to_the_console()
    {
        using var http = ConsoleHttp.Client(Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/signin"));
        var response = await http.PostFormAsync("/console/session", [new("__RequestVerificationToken", token), new("api_key", await Harness.KeyAsync(Scope.Read))]);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/console/live", response.Headers.Location?.ToString());
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("cualify_console=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("path=/console", cookie, StringComparison.Ordinal);
        Assert.Contains("max-age=28800", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", cookie, StringComparison.Ordinal); // plain http on loopback: a Secure cookie would not come back
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/console/live")).StatusCode);
    }

    [Fact]
    public async Task A_refused_key_stays_on_sign_in_and_says_so()
    {
        var key = await Harness.KeyAsync(Scope.Read);
        await Harness.RevokeAsync(key);
        var page = await Fixture.Browser.NewPageAsync(Fixture.BaseAddress);
        await page.GotoAsync("/console/signin");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await page.ArrivesAtAsync("**/console/signin?refused=1");
        Assert.Contains("not accepted", await page.GetByRole(AriaRole.Alert).InnerTextAsync(), StringComparison.Ordinal);
        await Screenshots.SaveAsync(page, "signin-refused");
    }

    [Fact]
    public async Task A_read_key_sees_live_calls_but_no_action_buttons_and_a_forged_post_is_refused()
    {
        var callId = await Harness.PlaceCallAsync();
        await Harness.WaitForCallAsync(callId, c => c.Status is CallStatus.Ringing or CallStatus.InProgress);
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));
        await page.ReloadAsync();

        var row = page.Locator($"tr[data-call='{callId}']");
        await Assertions.Expect(row).ToBeVisibleAsync();
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Hang up" }).CountAsync());
        Assert.Equal(0, await page.Locator("main form").CountAsync());
        Assert.Equal(1, await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).CountAsync());
        await Screenshots.SaveAsync(page, "live-read-key");

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var withoutToken = await http.PostFormAsync($"/console/calls/{callId}/hangup", []);
        Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/live"));
        var withToken = await http.PostFormAsync($"/console/calls/{callId}/hangup", [new("__RequestVerificationToken", token)]);
        Assert.Equal(HttpStatusCode.Forbidden, withToken.StatusCode);
        Assert.Contains("write scope", await withToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var call = await Harness.Appliance.Get<CallReader>().GetAsync(callId);
        Assert.True(CallStatus.IsLive(call!.Status) && call.CancelRequestedAt is null, "a refused post changed the call");
        await Harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null);
    }

    [Fact]
    public async Task A_write_key_hangs_up_a_live_call_from_Live_and_a_post_without_token_changes_nothing()
    {
        var callId = await Harness.PlaceCallAsync();
        await Harness.WaitForCallAsync(callId, c => CallStatus.IsLive(c.Status));
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await page.ReloadAsync();

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var forged = await http.PostFormAsync($"/console/calls/{callId}/hangup", [new("__RequestVerificationToken", "forged")]);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null((await Harness.Appliance.Get<CallReader>().GetAsync(callId))!.CancelRequestedAt);

        await page.Locator($"tr[data-call='{callId}']").GetByRole(AriaRole.Button, new() { Name = "Hang up" }).ClickAsync();
        await page.ArrivesAtAsync("**/console/live");
        var ended = await Harness.WaitForCallAsync(callId, c => c.IsFinal);
        Assert.Equal(CallEndReasons.Canceled, ended.EndReason);
        Assert.NotNull(ended.CancelRequestedAt);
    }

    [Fact]
    public async Task A_form_past_the_limits_or_a_body_that_is_no_form_is_refused_in_words_never_a_500()
    {
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await page.ContentAsync());

        var huge = await http.PostAsync("/console/campaigns/create", new StringContent(
            $"__RequestVerificationToken={Uri.EscapeDataString(token)}&name={new string('x', 5 * 1024 * 1024)}", System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("could not be read", await huge.Content.ReadAsStringAsync());

        var manyFields = string.Join('&', Enumerable.Range(0, 3000).Select(i => $"f{i}=x"));
        var many = await http.PostAsync("/console/campaigns/create", new StringContent(manyFields, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, many.StatusCode);

        var json = await http.PostAsync("/console/session", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        var jsonBody = await json.Content.ReadAsStringAsync();
        Assert.True(jsonBody.Contains("application/x-www-form-urlencoded"), jsonBody);
        var campaigns = await Harness.Appliance.Get<CampaignStore>().ListAsync((await Harness.OrgAsync()).Id, null, new PageRequest(10, 0));
        Assert.Empty(campaigns.Items);
    }

    [Fact]
    public async Task A_revoked_keys_session_is_bounced_to_sign_in_on_its_next_request()
    {
        var key = await Harness.KeyAsync(Scope.Admin);
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, key);
        await Harness.RevokeAsync(key);

        await page.GotoAsync("/console/live");
        Assert.EndsWith("/console/signin", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == "cualify_console");
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));
        await Screenshots.SaveAsync(page, "live");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.ArrivesAtAsync("**/console/signin");
        await Screenshots.SaveAsync(page, "signin");

        await page.GotoAsync("/console/live");
        Assert.EndsWith("/console/signin", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_key_switches_between_orgs_and_other_keys_have_no_switcher()
    {
        var acme = await Harness.OrgAsync("acme-console");
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Operator));
        await page.GetByLabel("Org").SelectOptionAsync(new SelectOptionValue { Label = "acme-console" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Switch" }).ClickAsync();
        await page.ArrivesAtAsync("**/console/live");
        Assert.Equal(acme.Id, await page.GetByLabel("Org").InputValueAsync());
        await Screenshots.SaveAsync(page, "live-operator");

        var admin = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin));
        Assert.Equal(0, await admin.GetByLabel("Org").CountAsync());
        using var http = await ConsoleHttp.LikeAsync(admin, Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/live"));
        var switched = await http.PostFormAsync("/console/session/org", [new("__RequestVerificationToken", token), new("org_id", acme.Id)]);
        Assert.Equal(HttpStatusCode.NotFound, switched.StatusCode);
    }
}
