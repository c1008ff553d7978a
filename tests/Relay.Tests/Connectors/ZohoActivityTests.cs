using System.Text.Json;
using System.Text.Json.Nodes;
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
        const int emails = 50;
        await world.StartWelcomeSequencesAsync(emails);

        await world.AppendReplyAsync(await world.ContactAsync("+919812345610", "replier@example.in", "Reply Person"), ReplyMessageId);
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
        await world.AppendReplyAsync(await world.ContactAsync("+919812345610", "replier@example.in", "Reply Person"), ReplyMessageId);

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
        const int calls = 12;
        await world.PlaceCallsToNewContactsAsync(calls, "limit");

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls, "every call is in Zoho");

        var records = zoho.Records("Calls");
        Assert.Equal(calls, records.Count);
        Assert.Equal(calls, records.Select(r => (string?)r.Fields["Subject"]).Distinct().Count());
        // Only the three refused on purpose: two in flight at most never trips Zoho's concurrency limit.
        Assert.Equal(3, zoho.TooManyRequestsAt.Count);
        Assert.InRange(zoho.PeakInFlight, 1, 2);
        // After a 429 the connector waits its 30 s: only a request already on its way (the other of the two) may
        // arrive within them, not the next batch.
        foreach (var refusedAt in zoho.TooManyRequestsAt)
        {
            var within = zoho.Timeline.Where(r => r.Line.Contains(" api ", StringComparison.Ordinal) && r.At > refusedAt && r.At < refusedAt + TimeSpan.FromSeconds(30)).ToList();
            Assert.True(within.Count <= 1, $"{within.Count} requests within 30 s of the 429 at {refusedAt:O}: {string.Join(", ", within)}");
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
        const int calls = 8;
        await world.PlaceCallsToNewContactsAsync(calls, "token");

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls, "every call is in Zoho", step: TimeSpan.FromSeconds(5), limit: TimeSpan.FromHours(6));

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
}
