using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>Sent emails and replies as Zoho Notes on the person, opt-outs as the configured checkbox: once each.</summary>
public sealed class ZohoActivityTests
{
    private const string ReplyMessageId = "0197a3b2.step0@mail.cualify.test";

    [Fact]
    public async Task Sequence_emails_and_a_reply_become_Notes_on_the_person_and_an_opt_out_ticks_Email_Opt_Out_once_each()
    {
        var (world, zoho, connectorId) = await ZohoOutboundTests.StartAsync(options: new JsonObject { ["opt_out_property"] = "Email_Opt_Out" });
        await using var _ = world;
        await using var __ = zoho;
        var knownContact = zoho.Add("Contacts", new JsonObject { ["Last_Name"] = "Reader", ["Email"] = "reader0@example.com" });
        var optingLead = zoho.Add("Leads", new JsonObject { ["Last_Name"] = "Out", ["Company"] = "Opting Out", ["Email"] = "optout@example.in", ["Email_Opt_Out"] = false });
        const int emails = 5;
        var template = (string)(await (await world.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Welcome",
            allowed_channels = new[] { "email" },
            steps = new[] { new { channel = "email", delay_minutes = 0, subject = "Welcome {{ contact.first_name }}", body = "Hello {{ contact.first_name }}, thanks for your time." } },
        })).ExpectAsync(201))["data"]!["id"]!;
        for (var i = 0; i < emails; i++)
        {
            await (await world.Admin.PostJsonAsync("/api/v1/sequences/start", new
            {
                template_id = template,
                contact = new { first_name = $"Reader{i}", emails = new[] { $"reader{i}@example.com" } },
                auto_approve = true,
            })).ExpectAsync(201);
        }

        await AppendReplyAsync(world, await world.ContactAsync("+919812345610", "replier@example.in", "Reply Person"));
        var optOutId = await world.ContactAsync("+919812345611", "optout@example.in", "Opting Out");
        await (await world.Admin.PostJsonAsync($"/api/v1/contacts/{optOutId}/opt-out", new { channel = "all", source = "crm" })).ExpectAsync(200);

        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == emails + 2, "every email, the reply and the opt-out are in Zoho", limit: TimeSpan.FromHours(2));

        var notes = zoho.Records("Notes");
        Assert.Equal(emails + 1, notes.Count);
        var people = zoho.Records("Contacts").Concat(zoho.Records("Leads")).ToDictionary(p => p.Id);
        foreach (var note in notes.Where(n => ((string)n.Fields["Note_Title"]!).StartsWith("Email sent <", StringComparison.Ordinal)))
        {
            var parent = people[(string)note.Fields["Parent_Id"]!["id"]!];
            Assert.Equal(parent.Module, (string?)note.Fields["Parent_Id"]!["module"]!["api_name"]);
            var reader = ((string)parent.Fields["Email"]!).Split('@')[0].Replace("reader", "Reader", StringComparison.Ordinal);
            Assert.EndsWith($": Welcome {reader}", (string)note.Fields["Note_Title"]!);
            Assert.Contains($"Hello {reader}, thanks for your time.", (string)note.Fields["Note_Content"]!);
        }

        Assert.Equal(knownContact.Id, (string?)notes.Single(n => ((string)n.Fields["Note_Title"]!).EndsWith(": Welcome Reader0", StringComparison.Ordinal)).Fields["Parent_Id"]!["id"]);
        var reply = Assert.Single(notes, n => ((string)n.Fields["Note_Title"]!).StartsWith($"Email reply <{ReplyMessageId}>", StringComparison.Ordinal));
        var replier = people[(string)reply.Fields["Parent_Id"]!["id"]!];
        Assert.Equal(("Leads", "replier@example.in"), (replier.Module, (string?)replier.Fields["Email"]));
        Assert.Contains("Reply from replier@example.in", (string)reply.Fields["Note_Content"]!);

        Assert.Equal(JsonValueKind.True, zoho.Records("Leads").Single(l => l.Id == optingLead.Id).Fields["Email_Opt_Out"]!.GetValueKind());
        var syncs = await world.SyncListAsync(connectorId);
        Assert.Equal(optingLead.Id, (string?)syncs.Single(s => (string?)s!["object"] == "contact")!["crm_object_id"]);
        Assert.Equal(notes.Select(n => n.Id).Order(), syncs.Where(s => (string?)s!["object"] == "email").Select(s => (string)s!["crm_object_id"]!).Order());
        Assert.Contains(zoho.Requests, r => r == "PUT api /crm/v8/Leads");
    }

    [Fact]
    public async Task A_Notes_insert_that_times_out_after_Zoho_stored_it_is_found_among_the_persons_Notes_a_settle_later_and_not_inserted_twice()
    {
        var (world, zoho, connectorId) = await ZohoOutboundTests.StartAsync(new Dictionary<string, string?> { ["Connectors:RequestTimeout"] = "00:00:05" });
        await using var _ = world;
        await using var __ = zoho;
        var hold = new TaskCompletionSource();
        zoho.HoldAfterCreate[ReplyMessageId] = hold;
        await AppendReplyAsync(world, await world.ContactAsync("+919812345610", "replier@example.in", "Reply Person"));

        await Eventually.TrueAsync(() => zoho.Records("Notes").Count == 1, "Zoho stored the note (and keeps its answer back)");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the retry finds the note");
        hold.TrySetResult();

        var note = Assert.Single(zoho.Records("Notes"));
        var sync = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal(note.Id, (string?)sync["crm_object_id"]);
        Assert.Equal(2, (int)sync["attempts"]!);
        var insertAt = zoho.Timeline.Single(r => r.Line == "POST api /crm/v8/Notes").At;
        var lookUpAt = zoho.Timeline.Single(r => r.Line.StartsWith("GET api /crm/v8/Leads/", StringComparison.Ordinal) && r.Line.EndsWith("/Notes", StringComparison.Ordinal)).At;
        Assert.True(lookUpAt - insertAt >= TimeSpan.FromSeconds(60), $"the lookup came {lookUpAt - insertAt} after the unanswered insert, before Connectors:LookupSettle");
    }

    [Fact]
    public async Task Zoho_429s_are_waited_out_with_nothing_lost_nothing_twice_and_never_more_than_options_concurrency_in_flight()
    {
        var (world, zoho, connectorId) = await ZohoOutboundTests.StartAsync(options: new JsonObject { ["concurrency"] = 2 }, prepare: z => z.MaxInFlight = 2);
        await using var _ = world;
        await using var __ = zoho;
        zoho.RefuseNext(3, retryAfter: TimeSpan.FromSeconds(30));
        var agentId = await world.Dialer.CreatePlaybookAsync();
        const int calls = 12;
        for (var i = 0; i < calls; i++)
        {
            var phone = $"+91981234{i:D2}10";
            await world.ContactAsync(phone, $"limit{i}@example.in", $"Limit {i}");
            await world.PlaceCallAsync(agentId, phone);
        }

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls, "every call is in Zoho");

        var records = zoho.Records("Calls");
        Assert.Equal(calls, records.Count);
        Assert.Equal(calls, records.Select(r => (string?)r.Fields["Subject"]).Distinct().Count());
        // Only the three refused on purpose: two in flight at most never trips Zoho's concurrency limit.
        Assert.Equal(3, zoho.TooManyRequestsAt.Count);
        Assert.InRange(zoho.PeakInFlight, 1, 2);
        foreach (var refusedAt in zoho.TooManyRequestsAt)
        {
            Assert.DoesNotContain(zoho.Timeline, r => r.Line.Contains(" api ", StringComparison.Ordinal) && r.At > refusedAt && r.At < refusedAt + TimeSpan.FromSeconds(30));
        }

        var metrics = await (await world.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_rate_limit_waits_total{{connector=\"{connectorId}\"}}", metrics);
        Assert.Contains($"cualify_connector_syncs_total{{connector=\"{connectorId}\",result=\"ok\"}} {calls}", metrics);
    }

    [Fact]
    public async Task Short_lived_Zoho_tokens_are_refreshed_at_most_10_times_in_any_10_minutes_and_the_calls_still_land_once()
    {
        var (world, zoho, connectorId) = await ZohoOutboundTests.StartAsync(new Dictionary<string, string?> { ["Connectors:BatchSize"] = "1" }, prepare: z => z.TokenLifetime = TimeSpan.FromMinutes(2));
        await using var _ = world;
        await using var __ = zoho;
        var agentId = await world.Dialer.CreatePlaybookAsync();
        const int calls = 8;
        for (var i = 0; i < calls; i++)
        {
            var phone = $"+91981234{i:D2}10";
            await world.ContactAsync(phone, $"token{i}@example.in", $"Token {i}");
            await world.PlaceCallAsync(agentId, phone);
        }

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls, "every call is in Zoho", step: TimeSpan.FromSeconds(5), limit: TimeSpan.FromHours(2));

        Assert.Equal(calls, zoho.Records("Calls").Select(r => (string?)r.Fields["Subject"]).Distinct().Count());
        Assert.Equal(calls, zoho.Records("Calls").Count);
        var refreshes = zoho.RefreshedAt;
        // A token shorter-lived than the 5 minutes we refresh ahead is stale at once, so every request wants a
        // refresh: the limit, not the need, bounds them.
        Assert.True(refreshes.Count > 10, $"only {refreshes.Count} refreshes: the limit was never reached");
        Assert.All(refreshes, at => Assert.True(refreshes.Count(o => o >= at && o < at + TimeSpan.FromMinutes(10)) <= 10, $"more than 10 refreshes in the 10 minutes from {at:O}: {string.Join(", ", refreshes.Select(r => r.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)))}"));
        var metrics = await (await world.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_token_refreshes_total{{connector=\"{connectorId}\"}} {refreshes.Count}", metrics);
    }

    private static async Task AppendReplyAsync(ConnectorWorld world, string contactId)
    {
        var orgId = await world.Dialer.DefaultOrgIdAsync();
        // The mailer's IMAP watcher writes email.replied; here the outbox gets it directly.
        await world.Appliance.Get<ApplianceStore>().WriteAsync(tx => world.Appliance.Get<EventOutbox>().AppendAsync(tx, orgId, "email.replied", new
        {
            enrollment_id = "enr_0197a3b26c1e7d3a9f412b8c5e7d9a10",
            contact_id = contactId,
            step = 0,
            message_id = $"<{ReplyMessageId}>",
            from = "replier@example.in",
            subject = "Re: Your renewal",
            received_at = tx.Now,
        }));
    }
}
