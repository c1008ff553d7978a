using System.Security.Cryptography;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>Two appliances on one PostgreSQL database hold an org's and a key's API limit together (SPEC §9).</summary>
public sealed class SharedRateLimitTests
{
    [Fact]
    public async Task Two_nodes_together_admit_no_more_than_the_org_limit_and_report_one_remaining_count()
    {
        var start = DateTimeOffset.UtcNow;
        await using var nodes = await TwoNodesAsync(start);
        var (first, second) = (nodes.First, nodes.Second);
        var org = (await first.Get<OrgStore>().FindAsync("default"))!;
        await first.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 5));
        using var onFirst = first.AdminClient();
        using var onSecond = second.Client(first.AdminKey);

        for (var i = 0; i < 5; i++)
        {
            var ok = await (i % 2 == 0 ? onFirst : onSecond).GetAsync("/api/v1/credits");
            await ok.ExpectAsync(200);
            Assert.Equal("5", ok.Headers.GetValues("X-RateLimit-Limit").Single());
            Assert.Equal((4 - i).ToString(), ok.Headers.GetValues("X-RateLimit-Remaining").Single());
        }

        foreach (var client in new[] { onFirst, onSecond })
        {
            var limited = await client.GetAsync("/api/v1/credits");
            await limited.ExpectErrorAsync(429, "too_many_requests");
            Assert.InRange(int.Parse(limited.Headers.GetValues("Retry-After").Single()), 60, 61);
            Assert.Equal("0", limited.Headers.GetValues("X-RateLimit-Remaining").Single());
        }

        // A minute and a second on, the window has room again, on either node.
        nodes.Advance(TimeSpan.FromSeconds(62));
        await (await onSecond.GetAsync("/api/v1/credits")).ExpectAsync(200);
    }

    [Fact]
    public async Task Requests_racing_on_both_nodes_get_exactly_the_limit_through()
    {
        await using var nodes = await TwoNodesAsync(DateTimeOffset.UtcNow);
        var org = (await nodes.First.Get<OrgStore>().FindAsync("default"))!;
        await nodes.First.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 20));
        using var onFirst = nodes.First.AdminClient();
        using var onSecond = nodes.Second.Client(nodes.First.AdminKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? onFirst : onSecond).GetAsync("/api/v1/credits")));

        Assert.Equal(20, responses.Count(r => (int)r.StatusCode == 200));
        Assert.Equal(40, responses.Count(r => (int)r.StatusCode == 429));
    }

    [Fact]
    public async Task A_key_limit_holds_across_nodes_while_other_keys_of_the_org_go_on()
    {
        await using var nodes = await TwoNodesAsync(DateTimeOffset.UtcNow);
        var key = await nodes.First.KeyAsync(Scope.Read, spec: new NewApiKey("slow", Scope.Read, RateLimitPerMinute: 2));
        using var slowOnFirst = nodes.First.Client(key);
        using var slowOnSecond = nodes.Second.Client(key);

        await (await slowOnFirst.GetAsync("/api/v1/credits")).ExpectAsync(200);
        await (await slowOnSecond.GetAsync("/api/v1/credits")).ExpectAsync(200);
        await (await slowOnFirst.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");
        await (await slowOnSecond.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");

        using var admin = nodes.Second.Client(nodes.First.AdminKey);
        var other = await admin.GetAsync("/api/v1/credits");
        await other.ExpectAsync(200);
        Assert.Equal("120", other.Headers.GetValues("X-RateLimit-Limit").Single());
    }

    private static async Task<Nodes> TwoNodesAsync(DateTimeOffset start)
    {
        // The folder names the database, which goes with it: it lives as long as the nodes.
        var folder = new TempDirectory("shared-rate");
        var settings = new Dictionary<string, string?>(await TestStore.SettingsAsync(folder.Path, StoreProvider.Postgres))
        {
            ["Store:SecretKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        var firstTime = new FakeTimeProvider(start);
        var secondTime = new FakeTimeProvider(start);
        var first = await RunningAppliance.StartAsync(settings: settings, services: s => s.AddSingleton<TimeProvider>(firstTime));
        var second = await RunningAppliance.StartAsync(settings: settings, services: s => s.AddSingleton<TimeProvider>(secondTime));
        return new Nodes(folder, first, second, firstTime, secondTime);
    }

    private sealed record Nodes(TempDirectory Database, RunningAppliance First, RunningAppliance Second, FakeTimeProvider FirstTime, FakeTimeProvider SecondTime) : IAsyncDisposable
    {
        public void Advance(TimeSpan by)
        {
            FirstTime.Advance(by);
            SecondTime.Advance(by);
        }

        public async ValueTask DisposeAsync()
        {
            await Second.DisposeAsync();
            await First.DisposeAsync();
            Database.Dispose();
        }
    }
}
