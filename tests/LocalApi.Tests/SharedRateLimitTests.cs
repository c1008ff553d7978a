using System.Security.Cryptography;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
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
    public async Task Requests_racing_on_both_nodes_never_get_more_than_the_limit_through_and_what_a_node_left_unused_comes_back()
    {
        await using var nodes = await TwoNodesAsync(DateTimeOffset.UtcNow);
        var org = (await nodes.First.Get<OrgStore>().FindAsync("default"))!;
        await nodes.First.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 20));
        using var onFirst = nodes.First.AdminClient();
        using var onSecond = nodes.Second.Client(nodes.First.AdminKey);

        var responses = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 2 == 0 ? onFirst : onSecond).GetAsync("/api/v1/credits")));

        // Within one second a node's unused block (limit / (2 x nodes) = 5, less the request that leased it) is lost to the other.
        var admitted = responses.Count(r => (int)r.StatusCode == 200);
        Assert.InRange(admitted, 20 - (SharedSlidingWindow.BlockSize(20, 2) - 1), 20);
        Assert.Equal(60 - admitted, responses.Count(r => (int)r.StatusCode == 429));

        // Seconds later the blocks left unused are back: requests in turn until both nodes refuse get the rest of the limit.
        nodes.Advance(TimeSpan.FromSeconds(2));
        admitted += await InTurnUntilBothRefuseAsync(onFirst, onSecond);
        Assert.Equal(20, admitted);
    }

    [Fact]
    public async Task A_block_one_node_leased_and_left_unused_goes_to_the_other_node_once_its_second_is_over()
    {
        await using var nodes = await TwoNodesAsync(DateTimeOffset.UtcNow);
        var org = (await nodes.First.Get<OrgStore>().FindAsync("default"))!;
        await nodes.First.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 40));
        using var onFirst = nodes.First.AdminClient();
        using var onSecond = nodes.Second.Client(nodes.First.AdminKey);
        var block = SharedSlidingWindow.BlockSize(40, 2);

        var first = await onFirst.GetAsync("/api/v1/credits");
        await first.ExpectAsync(200);
        Assert.Equal((40 - 1).ToString(), first.Headers.GetValues("X-RateLimit-Remaining").Single());

        // In the same second the first node's block is its own: the second node gets the rest, no more.
        Assert.Equal(40 - block, await UntilRefusedAsync(onSecond));

        // Once that second is over the first node, idle, hands the block back by itself, and the second node gets it.
        nodes.Advance(TimeSpan.FromSeconds(2));
        await WaitForCountedAsync(nodes.First, 40 - (block - 1));
        Assert.Equal(block - 1, await UntilRefusedAsync(onSecond));
        await (await onFirst.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");
    }

    [Fact]
    public async Task A_node_that_dies_holding_a_block_costs_the_others_at_most_that_block_until_it_leaves_the_window()
    {
        var start = DateTimeOffset.UtcNow;
        await using var nodes = await TwoNodesAsync(start);
        var org = (await nodes.First.Get<OrgStore>().FindAsync("default"))!;
        await nodes.First.Get<OrgStore>().UpdateTermsAsync(org.Id, new OrgTermsChange(RateLimitPerMinute: 40));
        using var onSecond = nodes.Second.Client(nodes.First.AdminKey);
        var block = SharedSlidingWindow.BlockSize(40, 2);

        // A node that admits one request and is gone: nothing of it runs again, so its block is never handed back.
        var gone = new LeasedSlidingWindows(new SharedSlidingWindow(nodes.First.Get<ApplianceStore>()), new FakeTimeProvider(start), NullLogger<LeasedSlidingWindows>.Instance);
        Assert.True((await gone.AcquireAsync([($"org:{org.Id}", 40)], CancellationToken.None)).Allowed);

        Assert.Equal(40 - block, await UntilRefusedAsync(onSecond));
        nodes.Advance(TimeSpan.FromSeconds(30));
        await (await onSecond.GetAsync("/api/v1/credits")).ExpectErrorAsync(429, "too_many_requests");

        // Its block leaves the window with the rest of that second's requests.
        nodes.Advance(TimeSpan.FromSeconds(32));
        Assert.Equal(40, await UntilRefusedAsync(onSecond));
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

    private static async Task<int> UntilRefusedAsync(HttpClient client)
    {
        for (var admitted = 0; ; admitted++)
        {
            var response = await client.GetAsync("/api/v1/credits");
            if ((int)response.StatusCode == 429)
            {
                return admitted;
            }

            await response.ExpectAsync(200);
        }
    }

    private static async Task<int> InTurnUntilBothRefuseAsync(HttpClient first, HttpClient second)
    {
        var admitted = 0;
        while (true)
        {
            var refused = 0;
            foreach (var client in new[] { first, second })
            {
                var response = await client.GetAsync("/api/v1/credits");
                if ((int)response.StatusCode == 429)
                {
                    refused++;
                }
                else
                {
                    await response.ExpectAsync(200);
                    admitted++;
                }
            }

            if (refused == 2)
            {
                return admitted;
            }
        }
    }

    /// <summary>Waits until the store counts <paramref name="expected"/> requests of the window (a node hands back in the background).</summary>
    private static async Task WaitForCountedAsync(RunningAppliance node, long expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long counted;
        do
        {
            counted = await node.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(hits), 0) FROM api_rate_buckets WHERE name LIKE 'org:%'"));
            if (counted == expected)
            {
                return;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"The store counted {counted} requests, not {expected}");
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

        // Blocks are sized by the live nodes: wait until both have beaten once.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await first.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM nodes")) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

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
