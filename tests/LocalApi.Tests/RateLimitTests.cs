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
        Assert.Equal("10", limited.Headers.GetValues("Retry-After").Single());
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
}
