using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class IdempotencyAndPagingTests
{
    [Fact]
    public async Task A_repeat_with_the_same_key_and_body_returns_the_original_and_a_changed_body_is_409()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var body = new { name = "crm", scope = "read" };

        var first = await admin.PostJsonAsync("/api/v1/api-keys", body, idempotencyKey: "lead-84211");
        var firstJson = await first.ExpectAsync(201);
        var repeat = await admin.PostJsonAsync("/api/v1/api-keys", body, idempotencyKey: "lead-84211");
        var repeatJson = await repeat.ExpectAsync(201);

        Assert.Equal(firstJson.ToJsonString(), repeatJson.ToJsonString());
        Assert.Equal("true", repeat.Headers.GetValues("Idempotent-Replayed").Single());
        var keys = await (await admin.GetAsync("/api/v1/api-keys")).ExpectAsync(200);
        Assert.Equal(1, keys["data"]!.AsArray().Count(k => (string?)k!["name"] == "crm"));

        await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "crm", scope = "write" }, idempotencyKey: "lead-84211"))
            .ExpectErrorAsync(409, "conflict", "Idempotency-Key");

        // The remembered response holds a once-only secret, so it is kept sealed, not in clear.
        var stored = await appliance.Get<ApplianceStore>().ReadAsync(c => c.QueryAsync<string>("SELECT response_body FROM idempotency_keys"));
        var fullKey = (string)firstJson["key"]!;
        Assert.All(stored, body => Assert.DoesNotContain(fullKey, body));
    }

    [Fact]
    public async Task A_failed_request_does_not_burn_its_idempotency_key()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+91 98123" }, idempotencyKey: "k1")).ExpectErrorAsync(422, "invalid_request");
        await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+91 98123" }, idempotencyKey: "k1")).ExpectErrorAsync(422, "invalid_request");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("created_after=yesterday", "created_after")]
    [InlineData("opted_out=maybe", "opted_out")]
    [InlineData("consent_capture=psychic", "consent_capture")]
    public async Task Out_of_range_paging_and_filters_are_400_naming_the_param(string query, string param)
    {
        await using var appliance = await RunningAppliance.StartAsync();
        await (await appliance.AdminClient().GetAsync($"/api/v1/contacts?{query}")).ExpectErrorAsync(400, "invalid_request", param);
    }

    [Fact]
    public async Task Lists_are_newest_first_with_totals()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var phones = Enumerable.Range(0, 5).Select(i => $"+9198123456{70 + i}").ToList();
        foreach (var phone in phones)
        {
            await admin.UpsertContactAsync(phone);
        }

        var page = await (await admin.GetAsync("/api/v1/contacts?limit=2&offset=1")).ExpectAsync(200);
        Assert.Equal([phones[3], phones[2]], page["data"]!.AsArray().Select(c => (string?)c!["phone_e164"]));
        Assert.Equal(2, (int)page["pagination"]!["limit"]!);
        Assert.Equal(1, (int)page["pagination"]!["offset"]!);
        Assert.Equal(5, (int)page["pagination"]!["total"]!);
        Assert.True((bool)page["pagination"]!["has_more"]!);

        var last = await (await admin.GetAsync("/api/v1/contacts?limit=2&offset=4")).ExpectAsync(200);
        Assert.False((bool)last["pagination"]!["has_more"]!);
    }
}
