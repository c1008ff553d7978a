using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class RateLimitTests
{
    [Fact]
    public async Task Every_response_carries_the_limit_headers_and_past_the_limit_comes_429_with_retry_after()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var org = (await appliance.Get<OrgStore>().FindAsync("default"))!;
        await appliance.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 5));
        using var admin = appliance.AdminClient();

        for (var i = 0; i < 5; i++)
        {
            var ok = await admin.GetAsync(i == 2 ? "/api/v1/nope" : "/api/v1/credits");
            Assert.Equal("5", ok.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.Equal((4 - i).ToString(), ok.Headers.GetValues("X-RateLimit-Remaining").Single());
            Assert.True(long.Parse(ok.Headers.GetValues("X-RateLimit-Reset").Single()) >= time.GetUtcNow().ToUnixTimeSeconds());
            time.Advance(TimeSpan.FromSeconds(10));
        }

        var limited = await admin.GetAsync("/api/v1/credits");
        await limited.ExpectErrorAsync(429, "too_many_requests");
        // On PostgreSQL the window is shared in one-second buckets, and a request leaves it up to a second later.
        Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single()), 10, TestStore.IsPostgres ? 11 : 10);
        Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());

        // The window slides: once the first request is a minute old, one more fits.
        time.Advance(TimeSpan.FromSeconds(11));
        await (await admin.GetAsync("/api/v1/credits")).ExpectAsync(200);
        await (await admin.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");
    }

    [Fact]
    public async Task A_key_limit_below_the_org_limit_applies_to_that_key_only()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        using var limited = appliance.Client(await appliance.KeyAsync(Scope.Read, spec: new NewApiKey("slow", Scope.Read, RateLimitPerMinute: 2)));
        using var admin = appliance.AdminClient();

        await (await limited.GetAsync("/api/v1/credits")).ExpectAsync(200);
        var second = await limited.GetAsync("/api/v1/credits");
        Assert.Equal("2", second.Headers.GetValues("X-RateLimit-Limit").Single());
        await (await limited.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");
        var other = await admin.GetAsync("/api/v1/credits");
        await other.ExpectAsync(200);
        Assert.Equal("120", other.Headers.GetValues("X-RateLimit-Limit").Single());
    }

    [Fact]
    public async Task Failed_authentication_is_limited_per_address_and_every_401_carries_the_limit_headers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        using var guesser = appliance.Client("cuk_live_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");
        using var nobody = appliance.Client();
        var limit = Cualify.Appliance.LocalApi.Auth.ApiKeyMiddleware.FailedAttemptsPerMinute;

        for (var i = 0; i < limit; i++)
        {
            var refused = await (i % 2 == 0 ? guesser : nobody).GetAsync("/api/v1/contacts");
            await refused.ExpectErrorAsync(401, "unauthorized");
            Assert.Equal(limit.ToString(), refused.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.Equal((limit - 1 - i).ToString(), refused.Headers.GetValues("X-RateLimit-Remaining").Single());
            Assert.True(long.Parse(refused.Headers.GetValues("X-RateLimit-Reset").Single()) >= time.GetUtcNow().ToUnixTimeSeconds());
            time.Advance(TimeSpan.FromSeconds(1));
        }

        // Past the budget the address is refused before any key it sends is looked at, the right one included.
        var limited = await guesser.GetAsync("/api/v1/contacts");
        var error = await limited.ExpectErrorAsync(429, "too_many_requests");
        Assert.Contains("failed authentications", (string?)error["message"]);
        Assert.Equal((60 - limit).ToString(), limited.Headers.GetValues("Retry-After").Single());
        Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());
        using var admin = appliance.AdminClient();
        await (await admin.GetAsync("/api/v1/contacts")).ExpectErrorAsync(429, "too_many_requests");

        // The window slides: once the first failure is a minute old, the valid key works and one more guess is a 401.
        time.Advance(TimeSpan.FromSeconds(60 - limit));
        await (await admin.GetAsync("/api/v1/contacts")).ExpectAsync(200);
        await (await guesser.GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");
        await (await guesser.GetAsync("/api/v1/contacts")).ExpectErrorAsync(429, "too_many_requests");
    }

    [Fact]
    public async Task Successful_requests_do_not_use_up_the_failed_authentication_budget()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var org = (await appliance.Get<OrgStore>().FindAsync("default"))!;
        await appliance.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 1000));
        using var admin = appliance.AdminClient();
        for (var i = 0; i < 3 * Cualify.Appliance.LocalApi.Auth.ApiKeyMiddleware.FailedAttemptsPerMinute; i++)
        {
            await (await admin.GetAsync("/api/v1/credits")).ExpectAsync(200);
        }

        var refused = await appliance.Client().GetAsync("/api/v1/credits");
        await refused.ExpectErrorAsync(401, "unauthorized");
        Assert.Equal((Cualify.Appliance.LocalApi.Auth.ApiKeyMiddleware.FailedAttemptsPerMinute - 1).ToString(), refused.Headers.GetValues("X-RateLimit-Remaining").Single());
    }
}
