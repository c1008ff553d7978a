using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class OrgAndCreditTests
{
    [Fact]
    public async Task An_org_admin_cannot_top_up_or_change_its_rate_or_plan_but_an_operator_can()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        using var op = appliance.Client(await appliance.KeyAsync(Scope.Operator));
        var orgId = (string)(await (await admin.GetAsync("/api/v1/org")).ExpectAsync(200))["data"]!["id"]!;

        await (await admin.PostJsonAsync($"/api/v1/orgs/{orgId}/credits/topups", new { amount_paise = 100_000 })).ExpectErrorAsync(403, "forbidden");
        foreach (var field in new[] { "plan", "rate_paise_per_sec", "billing_increment_sec", "calls_per_second", "rate_limit_per_minute" })
        {
            var body = new Dictionary<string, object> { [field] = field == "plan" ? "inactive" : 1 };
            var error = await (await admin.PatchJsonAsync("/api/v1/org", body)).ExpectErrorAsync(403, "forbidden", field);
            Assert.Equal("operator_only", (string?)error["details"]!["reason"]);
        }

        var topup = await (await op.PostJsonAsync($"/api/v1/orgs/{orgId}/credits/topups", new { amount_paise = 100_000, reference = "INV-1" })).ExpectAsync(201);
        Assert.Equal(100_000, (long)topup["credits"]!["balance_paise"]!);
        var terms = await (await op.PatchJsonAsync($"/api/v1/orgs/{orgId}", new { rate_paise_per_sec = 12, billing_increment_sec = 60, plan = "inactive" })).ExpectAsync(200);
        Assert.Equal(60, (int)terms["data"]!["billing_increment_sec"]!);

        var credits = (await (await admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(100_000, (long)credits["balance_paise"]!);
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        Assert.Equal(12, (long)credits["rate_paise_per_sec"]!);
        Assert.Equal(60, (long)credits["billing_increment_sec"]!);
        var ledger = await (await admin.GetAsync("/api/v1/credits/ledger")).ExpectAsync(200);
        Assert.Equal("topup", (string?)ledger["data"]![0]!["kind"]);
        Assert.Equal("INV-1", (string?)ledger["data"]![0]!["reference"]);
    }

    [Fact]
    public async Task Admins_change_their_own_settings_with_validation()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();

        var updated = await (await admin.PatchJsonAsync("/api/v1/org", new
        {
            calling_hours = "* 10-18 * * 1-5",
            max_attempts_per_day = 2,
            admin_emails = new[] { "ops@example.com" },
            default_caller_id = "+91 80 1234 5678",
        })).ExpectAsync(200);
        Assert.Equal("* 10-18 * * 1-5", (string?)updated["data"]!["calling_hours"]);
        Assert.Equal("+918012345678", (string?)updated["data"]!["default_caller_id"]);

        await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "every day" })).ExpectErrorAsync(422, "invalid_request", "calling_hours");
        await (await admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "x" } })).ExpectErrorAsync(422, "invalid_request", "admin_emails");
    }

    [Fact]
    public async Task Operators_create_orgs_that_are_isolated_from_each_other()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var op = appliance.Client(await appliance.KeyAsync(Scope.Operator));
        var created = await (await op.PostJsonAsync("/api/v1/orgs", new { name = "tenant-b" })).ExpectAsync(201);
        using var tenantB = appliance.Client((string)created["admin_key"]!);
        using var tenantA = appliance.AdminClient();

        var contact = await tenantA.UpsertContactAsync("+919812345678");
        var id = (string)contact["id"]!;
        await (await tenantB.GetAsync($"/api/v1/contacts/{id}")).ExpectErrorAsync(404, "not_found");
        await (await tenantB.DeleteAsync($"/api/v1/contacts/{id}")).ExpectErrorAsync(404, "not_found");
        await (await tenantB.PostJsonAsync($"/api/v1/contacts/{id}/opt-out", new { channel = "all" })).ExpectErrorAsync(404, "not_found");
        Assert.Equal(0, (int)(await (await tenantB.GetAsync("/api/v1/contacts")).ExpectAsync(200))["pagination"]!["total"]!);
        await (await tenantB.GetAsync("/api/v1/orgs")).ExpectErrorAsync(403, "forbidden");
        await (await op.PostJsonAsync("/api/v1/orgs", new { name = "TENANT-B" })).ExpectErrorAsync(409, "conflict", "name");
    }
}
