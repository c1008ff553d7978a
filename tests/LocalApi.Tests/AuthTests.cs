using System.Net;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class AuthTests
{
    [Fact]
    public async Task Missing_malformed_and_unknown_keys_get_401_in_the_envelope()
    {
        await using var appliance = await RunningAppliance.StartAsync();

        await (await appliance.Client().GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");
        await (await appliance.Client("not-a-key").GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");
        await (await appliance.Client("cuk_live_abcd1234_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345").GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");

        // A real prefix with the wrong secret is as unknown as any other key.
        var prefix = appliance.AdminKey![..18];
        await (await appliance.Client(prefix + "_" + new string('A', 32)).GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");
        await (await appliance.AdminClient().GetAsync("/api/v1/contacts")).ExpectAsync(200);
    }

    [Fact]
    public async Task A_revoked_key_fails_on_its_very_next_request()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "crm", scope = "write" })).ExpectAsync(201);
        var key = (string)created["key"]!;
        var id = (string)created["data"]!["id"]!;
        Assert.StartsWith("cuk_live_", key);
        Assert.EndsWith("_…", (string)created["data"]!["prefix"]!);

        using var crm = appliance.Client(key);
        await (await crm.GetAsync("/api/v1/contacts")).ExpectAsync(200);
        await (await admin.DeleteAsync($"/api/v1/api-keys/{id}")).ExpectAsync(200);
        await (await crm.GetAsync("/api/v1/contacts")).ExpectErrorAsync(401, "unauthorized");

        var listed = await (await admin.GetAsync("/api/v1/api-keys")).ExpectAsync(200);
        Assert.DoesNotContain(key, listed.ToJsonString());
        Assert.Contains(listed["data"]!.AsArray(), k => (string?)k!["id"] == id && k["revoked_at"] is not null);
    }

    [Fact]
    public async Task An_expired_key_gets_401()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var appliance = await RunningAppliance.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var created = await (await appliance.AdminClient().PostJsonAsync("/api/v1/api-keys",
            new { name = "temp", scope = "read", expires_at = time.GetUtcNow().AddHours(1) })).ExpectAsync(201);
        using var temp = appliance.Client((string)created["key"]!);

        await (await temp.GetAsync("/api/v1/credits")).ExpectAsync(200);
        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        await (await temp.GetAsync("/api/v1/credits")).ExpectErrorAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Too_little_scope_is_403_with_the_reason()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var reader = appliance.Client(await appliance.KeyAsync(Scope.Read));
        using var writer = appliance.Client(await appliance.KeyAsync(Scope.Write));

        await (await reader.GetAsync("/api/v1/contacts")).ExpectAsync(200);
        var error = await (await reader.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345678" })).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("insufficient_scope", (string?)error["details"]!["reason"]);

        await writer.UpsertContactAsync("+919812345678");
        await (await writer.PostJsonAsync("/api/v1/api-keys", new { name = "x", scope = "read" })).ExpectErrorAsync(403, "forbidden");
        await (await writer.PatchJsonAsync("/api/v1/org", new { name = "renamed" })).ExpectErrorAsync(403, "forbidden");
    }

    [Fact]
    public async Task A_key_with_an_ip_allowlist_refuses_other_addresses()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var office = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "office", scope = "read", ip_allowlist = new[] { "203.0.113.0/24" } })).ExpectAsync(201);
        var local = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "local", scope = "read", ip_allowlist = new[] { "127.0.0.1" } })).ExpectAsync(201);

        var error = await (await appliance.Client((string)office["key"]!).GetAsync("/api/v1/credits")).ExpectErrorAsync(403, "forbidden");
        Assert.Equal("ip_not_allowed", (string?)error["details"]!["reason"]);
        await (await appliance.Client((string)local["key"]!).GetAsync("/api/v1/credits")).ExpectAsync(200);

        await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "bad", scope = "read", ip_allowlist = new[] { "10.0.0.0/99" } }))
            .ExpectErrorAsync(422, "invalid_request", "ip_allowlist");
    }

    [Fact]
    public async Task Keys_check_tells_the_caller_its_org_scope_and_limits()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var created = await (await appliance.AdminClient().PostJsonAsync("/api/v1/api-keys",
            new { name = "limited", scope = "write", rate_limit_per_minute = 30, ip_allowlist = new[] { "127.0.0.0/8" } })).ExpectAsync(201);
        var check = (await (await appliance.Client((string)created["key"]!).GetAsync("/api/v1/api-keys/check")).ExpectAsync(200))["data"]!;

        Assert.Equal("default", (string?)check["org"]!["name"]);
        Assert.Equal("write", (string?)check["key"]!["scope"]);
        Assert.Equal("127.0.0.0/8", (string?)check["key"]!["ip_allowlist"]![0]);
        Assert.Equal(30, (int)check["limits"]!["effective_rate_limit_per_minute"]!);
        Assert.Equal(120, (int)check["limits"]!["org_rate_limit_per_minute"]!);
    }

    [Fact]
    public async Task Operator_keys_cannot_be_made_through_the_api()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        var error = await (await appliance.AdminClient().PostJsonAsync("/api/v1/api-keys", new { name = "op", scope = "operator" }))
            .ExpectErrorAsync(403, "forbidden", "scope");
        Assert.Equal("operator_keys_cli_only", (string?)error["details"]!["reason"]);
        Assert.Equal(HttpStatusCode.OK, (await appliance.AdminClient().GetAsync("/api/v1/api-keys")).StatusCode);
    }
}
