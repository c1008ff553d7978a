using System.Globalization;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>Calls and emails written into a HubSpot stand-in: exactly once, on the right contacts, with the documented shapes.</summary>
public sealed class HubSpotOutboundTests
{
    [Fact]
    public async Task Simulator_calls_and_sequence_emails_land_as_exactly_one_record_each_on_the_right_contacts()
    {
        const int calls = 200;
        const int emails = 50;
        await using var world = await ConnectorWorld.StartAsync();
        // Some people are in HubSpot already, under their email; their names there must stay as they are.
        var known = world.HubSpot.AddContact(new Dictionary<string, string> { ["email"] = "person3@example.in", ["firstname"] = "Kept", ["lastname"] = "AsIs" });
        var (connectorId, _) = await world.CreateHubSpotAsync();
        var agentId = await world.Dialer.CreatePlaybookAsync();

        // Numbers ending 81 are busy, 82 ring out, 89 reach voicemail; every tenth person has no email (found by phone).
        var people = new Dictionary<string, (string Phone, string? Email)>();
        for (var i = 0; i < calls; i++)
        {
            var ending = (i % 4) switch { 1 => "81", 2 => "82", 3 => "89", _ => $"{10 + (i % 60):D2}" };
            var phone = $"+9198{i:D6}{ending}";
            var email = i % 10 == 9 ? null : $"person{i}@example.in";
            await world.ContactAsync(phone, email, $"Person {i}");
            var callId = await world.PlaceCallAsync(agentId, phone);
            people[callId] = (phone, email);
        }

        await world.StartWelcomeSequencesAsync(emails);

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls + emails, "every call and email is synced", limit: TimeSpan.FromHours(2));

        var callRecords = world.HubSpot.Records("calls");
        Assert.Equal(calls, callRecords.Count);
        Assert.Equal(people.Keys.Order(), callRecords.Select(r => r.Properties["hs_call_external_id"]).Order());
        var contacts = world.HubSpot.Records("contacts").ToDictionary(c => c.Id);
        foreach (var record in callRecords)
        {
            var (phone, email) = people[record.Properties["hs_call_external_id"]];
            var (toId, typeId) = Assert.Single(record.Associations);
            Assert.Equal(194, typeId);
            var contact = contacts[toId];
            if (email is null)
            {
                Assert.Equal(phone, contact.Properties["phone"]);
            }
            else
            {
                Assert.Equal(email, contact.Properties["email"]);
            }

            var call = await world.Dialer.GetCallAsync(record.Properties["hs_call_external_id"]);
            Assert.Equal(((int?)call["duration_sec"] ?? 0) * 1000L, long.Parse(record.Properties["hs_call_duration"], CultureInfo.InvariantCulture));
            Assert.Equal("OUTBOUND", record.Properties["hs_call_direction"]);
            Assert.Equal(phone, record.Properties["hs_call_to_number"]);
            var (status, disposition) = ((string)call["status"]!, (string?)call["outcome"]) switch
            {
                ("busy", _) => ("BUSY", "9d9162e7-6cf3-4944-bf63-4dff82258764"),
                ("no_answer", _) => ("NO_ANSWER", "73a0d17f-1163-4015-bdd5-ec830791da20"),
                ("completed", "voicemail") => ("COMPLETED", "b2cf5968-551e-4856-9783-52b3da59a7d0"),
                ("completed", _) => ("COMPLETED", "f240bbac-87c9-4f6e-bf70-924b57d47db7"),
                var other => throw new Xunit.Sdk.XunitException($"unexpected call {other}"),
            };
            Assert.Equal(status, record.Properties["hs_call_status"]);
            Assert.Equal(disposition, record.Properties["hs_call_disposition"]);
            Assert.Contains("Playbook: Renewal reminder", record.Properties["hs_call_body"]);
        }

        // One contact per person: the known one reused with its names, none made twice.
        Assert.Equal(calls + emails, contacts.Count);
        Assert.Equal("Kept", contacts[known.Id].Properties["firstname"]);
        Assert.Equal("Person", world.HubSpot.Records("contacts").Single(c => c.Properties.GetValueOrDefault("email") == "person4@example.in").Properties["firstname"]);

        var emailRecords = world.HubSpot.Records("emails");
        Assert.Equal(emails, emailRecords.Count);
        foreach (var record in emailRecords)
        {
            var (toId, typeId) = Assert.Single(record.Associations);
            Assert.Equal(198, typeId);
            var reader = contacts[toId].Properties["email"];
            Assert.Equal($"Welcome {reader.Split('@')[0].Replace("reader", "Reader", StringComparison.Ordinal)}", record.Properties["hs_email_subject"]);
            Assert.Contains("thanks for your time", record.Properties["hs_email_text"]);
        }

        // The sync history names each CRM record, and a backlog went out in batches.
        var syncs = await world.SyncListAsync(connectorId);
        Assert.Equal(calls + emails, syncs.Count);
        Assert.All(syncs, s => Assert.Equal("synced", (string?)s!["status"]));
        Assert.Equal(callRecords.Select(r => r.Id).Concat(emailRecords.Select(r => r.Id)).Order(), syncs.Select(s => (string)s!["crm_object_id"]!).Order());
        Assert.Contains(world.HubSpot.Requests, r => r == $"POST /crm/objects/{HubSpotStandIn.Version}/calls/batch/create");
        var connector = await world.ConnectorAsync(connectorId);
        Assert.Equal("healthy", (string?)connector["status"]);
        Assert.Equal(0, (long)connector["backlog"]!);
        Assert.NotNull(connector["last_synced_at"]);
        Assert.NotNull(connector["rate_limit_remaining"]);
    }

    [Fact]
    public async Task A_create_that_times_out_after_HubSpot_stored_it_is_found_by_its_external_id_a_settle_later_and_not_created_again()
    {
        await using var world = await ConnectorWorld.StartAsync(new Dictionary<string, string?> { ["Connectors:RequestTimeout"] = "00:00:05" });
        // Search trails writes by 30 s: a lookup on the relay's first retry (5 s) would miss the call and create it again.
        world.HubSpot.SearchLag = TimeSpan.FromSeconds(30);
        var (connectorId, _) = await world.CreateHubSpotAsync();
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "riya@example.in", "Riya Sharma");
        var callId = await world.PlaceCallAsync(agentId, "+919812345610");
        var hold = new TaskCompletionSource();
        world.HubSpot.HoldAfterCreate[callId] = hold;

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(1), "the call is final");
        await Eventually.TrueAsync(() => world.HubSpot.Records("calls").Count == 1, "HubSpot stored the call (and keeps the answer back)");
        // Our request times out; the sync waits for its retry with the attempt counted.
        await world.AdvanceUntilAsync(async () => await world.CountAsync("SELECT count(*) FROM connector_syncs WHERE status = 'pending' AND attempts = 1") == 1,
            "the attempt ends without an answer");
        var waiting = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal("pending", (string?)waiting["status"]);
        Assert.Contains("no answer", (string?)waiting["last_error"]);
        Assert.Null(waiting["crm_object_id"]);

        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the retry finds the record");
        hold.TrySetResult();
        var record = Assert.Single(world.HubSpot.Records("calls"));
        var synced = (await world.SyncListAsync(connectorId)).Single()!;
        Assert.Equal(record.Id, (string?)synced["crm_object_id"]);
        Assert.Equal(2, (int)synced["attempts"]!);
        Assert.Contains($"POST /crm/objects/{HubSpotStandIn.Version}/calls/search", world.HubSpot.Requests);
        Assert.Single(world.HubSpot.Requests, r => r.StartsWith($"POST /crm/objects/{HubSpotStandIn.Version}/calls", StringComparison.Ordinal) && !r.EndsWith("/search", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_burst_past_the_rolling_window_waits_for_it_and_loses_nothing()
    {
        await using var world = await ConnectorWorld.StartAsync(new Dictionary<string, string?> { ["Connectors:BatchSize"] = "1" });
        world.HubSpot.WindowMax = 6;
        world.HubSpot.WindowLength = TimeSpan.FromSeconds(10);
        var (connectorId, _) = await world.CreateHubSpotAsync();
        const int calls = 15;
        await world.PlaceCallsToNewContactsAsync(calls, "burst", ending: "81");

        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(calls), "every call is final");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == calls, "every call is synced", step: TimeSpan.FromMilliseconds(500));

        Assert.Equal(calls, world.HubSpot.Records("calls").Count);
        Assert.Equal(calls, world.HubSpot.Records("calls").Select(r => r.Properties["hs_call_external_id"]).Distinct().Count());
        // Two requests a call (contact upsert, create) at six per 10 s: the connector waited for the window
        // instead of being refused, at most once in any window.
        var refused = world.HubSpot.TooManyRequestsAt;
        Assert.All(refused, at => Assert.True(refused.Count(o => o > at - TimeSpan.FromSeconds(10) && o <= at) <= 1, $"two 429s within 10 s at {at:O}"));
        var metrics = await (await world.Admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_rate_limit_waits_total{{connector=\"{connectorId}\"}}", metrics);
        Assert.Contains($"cualify_connector_syncs_total{{connector=\"{connectorId}\",result=\"ok\"}} {calls}", metrics);
    }

    [Fact]
    public async Task A_revoked_refresh_token_pauses_the_connector_and_new_credentials_resume_it_with_nothing_lost()
    {
        await using var world = await ConnectorWorld.StartAsync();
        world.HubSpot.StaticToken = null;
        await (await world.Admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "ops@example.in" } })).ExpectAsync(200);
        var (connectorId, _) = await world.CreateHubSpotAsync(ConnectorWorld.OAuth());
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "first@example.in", "First Caller");
        await world.PlaceCallAsync(agentId, "+919812345610");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the first call is synced");
        Assert.Equal(1, world.HubSpot.Refreshes);
        Assert.NotNull((await world.ConnectorAsync(connectorId))["token_expires_at"]);

        world.HubSpot.Revoke("refresh-2");
        await world.ContactAsync("+919812345611", "second@example.in", "Second Caller");
        await world.PlaceCallAsync(agentId, "+919812345611");
        await world.AdvanceUntilAsync(async () => (string?)(await world.ConnectorAsync(connectorId))["status"] == "auth_failed", "the connector turns auth_failed");
        var failed = await world.ConnectorAsync(connectorId);
        Assert.Contains("refresh token", (string?)failed["last_error"]);
        Assert.Equal(1, (long)failed["backlog"]!);
        Assert.Equal(1, await world.CountAsync("SELECT count(*) FROM events WHERE type = 'connector.auth_failed'"));
        Assert.Equal(1, await world.CountAsync("SELECT count(*) FROM admin_notices WHERE subject LIKE 'CRM connector needs new credentials%'"));

        // Time passes; nothing is written and nothing is lost while it waits.
        world.Dialer.Time.Advance(TimeSpan.FromHours(1));
        await Task.Delay(300);
        Assert.Single(world.HubSpot.Records("calls"));
        Assert.Equal(1, await world.SyncsAsync("pending"));

        await (await world.Admin.PatchJsonAsync($"/api/v1/connectors/{connectorId}", new { credentials = ConnectorWorld.OAuth("refresh-2") })).ExpectAsync(200);
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 2, "the waiting call is synced");
        Assert.Equal(2, world.HubSpot.Records("calls").Count);
        var healthy = await world.ConnectorAsync(connectorId);
        Assert.Equal("healthy", (string?)healthy["status"]);
        Assert.Null(healthy["last_error"]);
    }

    [Fact]
    public async Task An_expired_access_token_is_refreshed_once_and_the_write_goes_on()
    {
        await using var world = await ConnectorWorld.StartAsync();
        world.HubSpot.StaticToken = null;
        var (connectorId, _) = await world.CreateHubSpotAsync(ConnectorWorld.OAuth());
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919812345610", "first@example.in", "First Caller");
        await world.PlaceCallAsync(agentId, "+919812345610");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the first call is synced");

        // HubSpot drops the token early; the connector refreshes on the 401 and writes.
        world.HubSpot.ExpireTokens();
        await world.ContactAsync("+919812345611", "second@example.in", "Second Caller");
        await world.PlaceCallAsync(agentId, "+919812345611");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 2, "the second call is synced");
        Assert.Equal(2, world.HubSpot.Refreshes);
        Assert.Equal("healthy", (string?)(await world.ConnectorAsync(connectorId))["status"]);
    }

    [Fact]
    public async Task The_daily_limit_pauses_the_connector_as_degraded_and_says_so()
    {
        await using var world = await ConnectorWorld.StartAsync();
        var (connectorId, _) = await world.CreateHubSpotAsync();
        var agentId = await world.Dialer.CreatePlaybookAsync();
        world.HubSpot.DailyLimitReached = true;
        await world.ContactAsync("+919812345610", "daily@example.in", "Daily Limit");
        await world.PlaceCallAsync(agentId, "+919812345610");
        await world.AdvanceUntilAsync(async () => (string?)(await world.ConnectorAsync(connectorId))["status"] == "degraded", "the connector is degraded");
        var degraded = await world.ConnectorAsync(connectorId);
        Assert.Contains("DAILY", (string?)degraded["last_error"]);
        Assert.NotNull(degraded["paused_until"]);
        var refusals = world.HubSpot.TooManyRequestsAt.Count;

        world.Dialer.Time.Advance(TimeSpan.FromMinutes(30));
        await Task.Delay(300);
        Assert.Equal(refusals, world.HubSpot.TooManyRequestsAt.Count);

        world.HubSpot.DailyLimitReached = false;
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the call is written after the pause", step: TimeSpan.FromMinutes(1), limit: TimeSpan.FromHours(3));
        Assert.Single(world.HubSpot.Records("calls"));
        Assert.Equal("healthy", (string?)(await world.ConnectorAsync(connectorId))["status"]);
    }

    [Fact]
    public async Task A_reply_the_mailer_recorded_becomes_an_incoming_email_on_the_contact_next_to_the_sent_one()
    {
        await using var world = await ConnectorWorld.StartAsync();
        var (connectorId, _) = await world.CreateHubSpotAsync();
        var contactId = await world.ContactAsync("+919812345610", "replier@example.in", "Reply Person");
        await world.AppendReplyAsync(contactId, "0197a3b2.step0@mail.cualify.test");

        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the reply is synced");
        var email = Assert.Single(world.HubSpot.Records("emails"));
        Assert.Equal("INCOMING_EMAIL", email.Properties["hs_email_direction"]);
        Assert.Equal("Re: Your renewal", email.Properties["hs_email_subject"]);
        var (toId, typeId) = Assert.Single(email.Associations);
        Assert.Equal(198, typeId);
        Assert.Equal("replier@example.in", world.HubSpot.Records("contacts").Single(c => c.Id == toId).Properties["email"]);
        Assert.Equal("reply:0197a3b2.step0@mail.cualify.test", (string?)(await world.SyncListAsync(connectorId)).Single()!["object_id"]);
    }

    [Fact]
    public async Task Calls_that_ended_while_no_connector_existed_never_reach_one_created_later_and_its_own_call_syncs_without_a_poll()
    {
        // A poll interval longer than the test's fake time: with no connector the cursor stays behind the events until then.
        await using var world = await ConnectorWorld.StartAsync(new Dictionary<string, string?> { ["Connectors:PollInterval"] = "00:10:00" });
        await world.PlaceCallsToNewContactsAsync(5, "Before");
        await world.AdvanceUntilAsync(() => world.CallsFinalAsync(5), "the calls before the connector are final", limit: TimeSpan.FromMinutes(5));
        await Task.Delay(1000); // time enough for a relay that moved its cursor on every cycle to catch up
        var cursor = await world.CountAsync("SELECT seq FROM relay_cursors WHERE name = 'connectors'");
        var newest = await world.CountAsync("SELECT max(seq) FROM events");
        Assert.True(cursor < newest, $"the connectors' cursor ({cursor}) was expected behind the newest event ({newest}), so that this test covers it");

        await world.CreateHubSpotAsync();
        var agentId = await world.Dialer.CreatePlaybookAsync();
        await world.ContactAsync("+919876500010", "after@example.in", "After Person");
        var callId = await world.PlaceCallAsync(agentId, "+919876500010");
        await world.AdvanceUntilAsync(async () => await world.SyncsAsync("synced") == 1, "the new call is synced", limit: TimeSpan.FromMinutes(5));
        world.Dialer.Time.Advance(TimeSpan.FromSeconds(30));
        await Task.Delay(500);

        var record = Assert.Single(world.HubSpot.Records("calls"));
        Assert.Equal(callId, record.Properties["hs_call_external_id"]);
        Assert.Equal(1, await world.CountAsync("SELECT count(*) FROM connector_syncs"));
    }
}
