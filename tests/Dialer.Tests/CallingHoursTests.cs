using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>Calls outside calling hours are accepted and wait for the next allowed moment in the callee's own zone.</summary>
public sealed class CallingHoursTests
{
    // Monday 1 June 2026 02:00 UTC: 07:30 in India, still Sunday 22:00 in New York. Both outside 09:00–20:59 Mon–Sat.
    private static readonly DateTimeOffset Instant = DateTimeOffset.Parse("2026-06-01T02:00:00Z");

    [Fact]
    public async Task An_Indian_and_a_US_number_at_the_same_instant_get_their_own_next_allowed_moment()
    {
        await using var harness = await DialerHarness.StartAsync(Instant);
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.UpsertContactAsync("+12125550123");
        await harness.TopUpAsync(100_000);

        var india = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678" })).ExpectAsync(201);
        var us = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+12125550123" })).ExpectAsync(201);

        Assert.Equal("queued", (string?)india["data"]!["status"]);
        Assert.Equal("2026-06-01T03:30:00Z", (string?)india["data"]!["scheduled_for"]); // 09:00 IST
        Assert.Equal("queued", (string?)us["data"]!["status"]);
        Assert.Equal("2026-06-01T13:00:00Z", (string?)us["data"]!["scheduled_for"]); // 09:00 EDT

        // Nothing is dialed before its moment, and each is dialed at it.
        var indiaId = (string)india["data"]!["id"]!;
        var usId = (string)us["data"]!["id"]!;
        var dialedIndia = await harness.AdvanceUntilAsync(indiaId, c => c.Status != "queued", TimeSpan.FromHours(2), TimeSpan.FromMinutes(5));
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T03:30:00Z"), dialedIndia.StartedAt);
        Assert.Equal("queued", (await harness.CallAsync(usId))!.Status);
        var dialedUs = await harness.AdvanceUntilAsync(usId, c => c.Status != "queued", TimeSpan.FromHours(12), TimeSpan.FromMinutes(5));
        Assert.Equal(DateTimeOffset.Parse("2026-06-01T13:00:00Z"), dialedUs.StartedAt);
    }

    [Fact]
    public async Task Not_before_is_honoured_and_moved_into_hours_when_it_falls_outside()
    {
        await using var harness = await DialerHarness.StartAsync(Instant);
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.TopUpAsync(100_000);

        var inside = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678", not_before = "2026-06-02T10:00:00Z" })).ExpectAsync(201);
        Assert.Equal("2026-06-02T10:00:00Z", (string?)inside["data"]!["scheduled_for"]); // Tuesday 15:30 IST

        var sunday = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678", not_before = "2026-06-07T06:00:00Z" })).ExpectAsync(201);
        Assert.Equal("2026-06-08T03:30:00Z", (string?)sunday["data"]!["scheduled_for"]); // Sunday → Monday 09:00 IST

        await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678", not_before = "2027-06-01T00:00:00Z" }))
            .ExpectErrorAsync(422, "invalid_request", "not_before");
    }

    [Fact]
    public async Task The_org_calling_hours_apply_as_set_by_its_admin()
    {
        await using var harness = await DialerHarness.StartAsync(Instant);
        await (await harness.Admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* 7-8 * * *" })).ExpectAsync(200);
        var agentId = await harness.CreatePlaybookAsync();
        await harness.UpsertContactAsync("+919812345678");
        await harness.TopUpAsync(100_000);

        var call = await (await harness.Admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = "+919812345678" })).ExpectAsync(201);
        Assert.Equal("2026-06-01T02:00:00Z", (string?)call["data"]!["scheduled_for"]); // 07:30 IST is inside 07:00–08:59
    }
}
