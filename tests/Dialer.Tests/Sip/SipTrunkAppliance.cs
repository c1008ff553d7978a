using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// The real appliance on the wall clock with <c>Dialer:Provider=sip</c>, its trunk a sipp on loopback: calls go in
/// through the HTTP API and out over real UDP. Set up the way an operator and an org admin would: the org pays
/// <see cref="RatePaisePerSec"/> paise a second in <see cref="BillingIncrementSec"/> s increments, may call at any
/// hour (the clock is real, so the test must not depend on the time of day), and has one playbook (by default the harness's renewal playbook with a WAV prompt).
/// </summary>
public sealed class SipTrunkAppliance : IAsyncDisposable
{
    public const long RatePaisePerSec = 3;
    public const int BillingIncrementSec = 6;
    public const long TopUpPaise = 100_000;
    public const string CallerId = "+918049123456";

    private SipTrunkAppliance(RunningAppliance appliance, string agentId)
    {
        Appliance = appliance;
        Admin = appliance.AdminClient();
        AgentId = agentId;
    }

    public RunningAppliance Appliance { get; }

    public HttpClient Admin { get; }

    /// <summary>The playbook every call uses.</summary>
    public string AgentId { get; }

    /// <param name="trunk">The sipp the appliance's calls go to.</param>
    /// <param name="promptSeconds">Length of the playbook's WAV prompt.</param>
    /// <param name="settings">More configuration, e.g. <c>Dialer:Sip:Username</c>.</param>
    public static Task<SipTrunkAppliance> StartAsync(SippRun trunk, double promptSeconds = 1, IReadOnlyDictionary<string, string?>? settings = null) =>
        StartAsync(trunk.Port, DialerHarness.RenewalPlaybook, WavFixtures.Tone(16_000, 16, 1, promptSeconds), settings);

    /// <param name="trunkPort">Where the appliance's calls go (sipp, baresip…) on 127.0.0.1.</param>
    /// <param name="playbook">The playbook to create, as <c>POST /api/v1/playbooks</c> takes it.</param>
    /// <param name="prompt">A WAV to upload as its prompt, or null for a playbook that only speaks its texts.</param>
    /// <param name="settings">More configuration.</param>
    public static async Task<SipTrunkAppliance> StartAsync(int trunkPort, object playbook, byte[]? prompt, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Dialer:Provider"] = "sip",
            ["Dialer:RingTimeout"] = "00:00:15",
            ["Dialer:Sip:Trunk"] = $"127.0.0.1:{trunkPort}",
            ["Dialer:Sip:LocalAddress"] = "127.0.0.1",
            ["Dialer:Sip:LocalPort"] = "0",
            ["Dialer:Sip:RtpPorts"] = "20000-27999", // below the ephemeral range the OS hands out for port 0
            ["Dialer:Sip:FromDomain"] = "cualify.test",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var appliance = await RunningAppliance.StartAsync(settings: all);
        try
        {
            var orgId = (await appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;
            var operatorKey = await appliance.Get<ApiKeyStore>().CreateAsync(orgId, new NewApiKey("operator", Scope.Operator));
            using var op = appliance.Client(operatorKey.FullKey);
            await (await op.PatchJsonAsync($"/api/v1/orgs/{orgId}", new { rate_paise_per_sec = RatePaisePerSec, billing_increment_sec = BillingIncrementSec }))
                .ExpectAsync(200);
            await (await op.PostJsonAsync($"/api/v1/orgs/{orgId}/credits/topups", new { amount_paise = TopUpPaise, reference = "sip-e2e" })).ExpectAsync(201);

            using var admin = appliance.AdminClient();
            await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *" })).ExpectAsync(200);
            var created = await (await admin.PostJsonAsync("/api/v1/playbooks", playbook)).ExpectAsync(201);
            var agentId = (string)created["data"]!["id"]!;
            if (prompt is not null)
            {
                var wav = new ByteArrayContent(prompt) { Headers = { ContentType = new MediaTypeHeaderValue("audio/wav") } };
                await (await admin.PostAsync($"/api/v1/playbooks/{agentId}/audio", wav)).ExpectAsync(201);
            }

            return new SipTrunkAppliance(appliance, agentId);
        }
        catch
        {
            await appliance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Records <paramref name="phone"/> as a consenting contact and asks for a call to it.</summary>
    public async Task<string> PlaceCallAsync(string phone, int? maxDurationSec = null, JsonObject? metadata = null)
    {
        await (await Admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = phone, name = "Riya Sharma", consent_capture = "website_form" })).ExpectAsync(200);
        var body = new JsonObject { ["agent_id"] = AgentId, ["to_e164"] = phone, ["from_e164"] = CallerId };
        if (maxDurationSec is { } max)
        {
            body["max_duration_sec"] = max;
        }

        if (metadata is not null)
        {
            body["metadata"] = metadata;
        }

        var created = await (await Admin.PostJsonAsync("/api/v1/calls", body)).ExpectAsync(201);
        Assert.Equal("queued", (string?)created["data"]!["status"]);
        return (string)created["data"]!["id"]!;
    }

    /// <summary>
    /// Waits (on the store, so the API's rate limit is not spent on polling) until the call has its final status,
    /// then reads it once through <c>GET /api/v1/calls/{id}</c> as a user would.
    /// </summary>
    public async Task<JsonNode> EndedCallAsync(string callId, TimeSpan? limit = null)
    {
        await WaitForAsync(callId, c => c.IsFinal, "final", limit);
        return (await (await Admin.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200))["data"]!;
    }

    /// <summary>Waits, reading the store, until the call reaches <paramref name="status"/> (or fails when it ends first).</summary>
    public Task WaitForStatusAsync(string callId, string status, TimeSpan? limit = null) =>
        WaitForAsync(callId, c => c.Status == status || (c.IsFinal ? throw new Xunit.Sdk.XunitException($"Call {callId} ended {c.Status} ({c.EndReason}) before {status}") : false), status, limit);

    private async Task WaitForAsync(string callId, Func<Call, bool> done, string what, TimeSpan? limit)
    {
        var reader = Appliance.Get<CallReader>();
        var wait = limit ?? TimeSpan.FromSeconds(60);
        using var timeout = new CancellationTokenSource(wait);
        while (true)
        {
            var call = await reader.GetAsync(callId) ?? throw new Xunit.Sdk.XunitException($"No call {callId}");
            if (done(call))
            {
                return;
            }

            if (timeout.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"Call {callId} is still {call.Status}, not {what}, after {wait}");
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    public static IReadOnlyList<string> Timeline(JsonNode call) => call["timeline"]!.AsArray().Select(e => (string)e!["type"]!).ToList();

    public static DateTimeOffset TimelineAt(JsonNode call, string type) =>
        DateTimeOffset.Parse((string)call["timeline"]!.AsArray().Single(e => (string)e!["type"]! == type)!["at"]!);

    /// <summary>
    /// The call was billed what the contract says: its talk seconds rounded up to the billing increment × the rate
    /// (nothing when unanswered), and the balance and the reservations agree: nothing stays held.
    /// </summary>
    public async Task AssertBilledAsync(JsonNode call, long debitedBefore = 0)
    {
        var duration = (int?)call["duration_sec"] ?? 0;
        var billed = (duration + BillingIncrementSec - 1) / BillingIncrementSec * BillingIncrementSec;
        Assert.Equal(billed * RatePaisePerSec, (long)call["credits_debited_paise"]!);
        if (call["answered_at"] is null)
        {
            Assert.Equal(0, (long)call["credits_debited_paise"]!);
        }
        else
        {
            Assert.Equal(billed, (int?)call["billed_sec"]);
        }

        var credits = (await (await Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, (long)credits["reserved_paise"]!);
        Assert.Equal(TopUpPaise - debitedBefore - (long)call["credits_debited_paise"]!, (long)credits["balance_paise"]!);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Appliance.DisposeAsync();
    }
}
