using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>
/// What a voice-step test needs on top of <see cref="MailerHarness"/>: a playbook, credits, the calls as stored,
/// and moving fake time on while the dialer and the simulator play a call out.
/// </summary>
public static class VoiceHarness
{
    /// <summary>Monday 1 June 2026, 06:00 UTC: 11:30 in India (inside default calling hours), 02:00 in New York (outside).</summary>
    public static readonly DateTimeOffset MondayMorningInIndia = DateTimeOffset.Parse("2026-06-01T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The appliance on fake time at <see cref="MondayMorningInIndia"/>, with a playbook and credits; returns the playbook's id.</summary>
    public static async Task<(MailerHarness Harness, string PlaybookId)> StartAsync(long creditsPaise = 1_000_000)
    {
        var h = await MailerHarness.StartAsync(startAt: MondayMorningInIndia);
        try
        {
            if (creditsPaise > 0)
            {
                await h.TopUpAsync(creditsPaise);
            }

            var playbook = await (await h.Admin.PostJsonAsync("/api/v1/playbooks", new
            {
                name = "Renewal reminder",
                language = "en-IN",
                max_duration_sec = 120,
                message_text = "Your policy renews next week. Press 9 to stop these calls.",
                dtmf = new Dictionary<string, string> { ["9"] = "opt_out" },
            })).ExpectAsync(201);
            return (h, (string)playbook["data"]!["id"]!);
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    public static async Task TopUpAsync(this MailerHarness h, long paise)
    {
        var orgId = (await h.App.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;
        await h.App.Get<CreditLedger>().TopUpAsync(orgId, paise, "voice step tests");
    }

    public static async Task<IReadOnlyList<Call>> CallsAsync(this MailerHarness h) =>
        (await h.App.Get<ApplianceStore>().ReadAsync(c => c.QueryAsync<Call>($"SELECT {Call.Columns} FROM calls ORDER BY created_at, id"))).ToList();

    public static Task<Call?> CallAsync(this MailerHarness h, string id) => h.App.Get<CallReader>().GetAsync(id);

    /// <summary>The call as <c>GET /api/v1/calls/{id}</c> shows it.</summary>
    public static async Task<JsonNode> CallViewAsync(this MailerHarness h, string id) =>
        (await (await h.Admin.GetAsync($"/api/v1/calls/{id}")).ExpectAsync(200))["data"]!;

    /// <summary>
    /// Moves fake time on by <paramref name="step"/> at a time, letting the appliance settle after each move, until
    /// <paramref name="done"/> holds; fails naming <paramref name="what"/> when <paramref name="limit"/> of fake
    /// time passes first.
    /// </summary>
    public static async Task AdvanceUntilAsync(this MailerHarness h, Func<Task<bool>> done, string what, TimeSpan? step = null, TimeSpan? limit = null)
    {
        var time = h.Time ?? throw new InvalidOperationException("Start the harness on fake time");
        var until = time.GetUtcNow() + (limit ?? TimeSpan.FromMinutes(10));
        while (true)
        {
            await SettleAsync(h);
            if (await done())
            {
                return;
            }

            Assert.True(time.GetUtcNow() < until, $"{what} did not happen by {time.GetUtcNow():O}");
            time.Advance(step ?? TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>
    /// Waits (real time) until the calls and steps in the store stay the same over several looks and the thread pool
    /// has no queued work, so the next move of the clock meets an appliance that has reacted to the last one.
    /// </summary>
    public static async Task SettleAsync(this MailerHarness h)
    {
        var store = h.App.Get<ApplianceStore>();
        var previous = "";
        var stable = 0;
        for (var i = 0; i < 400 && stable < 3; i++)
        {
            await Task.Delay(5);
            var state = await store.ReadAsync(c => c.ExecuteScalarAsync<string>("""
                SELECT coalesce((SELECT string_agg(id || status || updated_at, ',') FROM calls), '') || '|' ||
                       coalesce((SELECT string_agg(id || status || coalesce(scheduled_at, ''), ',') FROM sequence_steps), '')
                """));
            var idle = ThreadPool.PendingWorkItemCount == 0 || i > 20;
            stable = state == previous && idle ? stable + 1 : 0;
            previous = state ?? "";
        }
    }
}
