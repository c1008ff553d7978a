using System.Text.Json.Nodes;
using Cualify.Appliance.Cli;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Orgs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Cualify.Appliance.Testing;

/// <summary>
/// The real appliance (Kestrel, SQLite, scheduler, simulator) on a fake clock that the test moves, with the
/// steps every call test needs: a playbook, a consenting contact, credits, a call, and waiting for it.
/// </summary>
public sealed class DialerHarness : IAsyncDisposable
{
    /// <summary>Monday 1 June 2026, 06:00 UTC: 11:30 in India (inside default hours), 02:00 in New York (outside).</summary>
    public static readonly DateTimeOffset MondayMorningInIndia = DateTimeOffset.Parse("2026-06-01T06:00:00Z");

    private DialerHarness(RunningAppliance appliance, ObservedTime clock)
    {
        Appliance = appliance;
        Clock = clock;
        Admin = appliance.AdminClient();
    }

    public RunningAppliance Appliance { get; }

    public FakeTimeProvider Time => Clock.Fake;

    public ObservedTime Clock { get; }

    public HttpClient Admin { get; }

    public static async Task<DialerHarness> StartAsync(DateTimeOffset? at = null, IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var clock = new ObservedTime(new FakeTimeProvider(at ?? MondayMorningInIndia));
        var appliance = await RunningAppliance.StartAsync(settings: settings, services: s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            services?.Invoke(s);
        });
        return new DialerHarness(appliance, clock);
    }

    public async Task<string> DefaultOrgIdAsync() => (await Appliance.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;

    /// <summary>An operator key, made the way <c>keys create --scope operator</c> makes it.</summary>
    public async Task<HttpClient> OperatorAsync()
    {
        var created = await Appliance.Get<ApiKeyStore>().CreateAsync(await DefaultOrgIdAsync(), new NewApiKey("operator", Scope.Operator));
        return Appliance.Client(created.FullKey);
    }

    /// <summary>The playbook the dialer tests call with: a disclosure, a message, 1 for a handoff and 9 to opt out.</summary>
    public static object RenewalPlaybook { get; } = new
    {
        name = "Renewal reminder",
        language = "en-IN",
        max_duration_sec = 300,
        disclosure_text = "This call is from Acme Insurance and may be recorded.",
        message_text = "Your policy renews next week. Press 1 to talk to an agent, or 9 to stop these calls.",
        dtmf = new Dictionary<string, string> { ["1"] = "handoff", ["9"] = "opt_out" },
        handoff_target = "+918012345678",
    };

    public async Task<string> CreatePlaybookAsync(object? body = null)
    {
        var created = await (await Admin.PostJsonAsync("/api/v1/playbooks", body ?? RenewalPlaybook)).ExpectAsync(201);
        return (string)created["data"]!["id"]!;
    }

    public async Task<string> UpsertContactAsync(string phone, string? consent = "website_form")
    {
        var body = new JsonObject { ["phone_e164"] = phone, ["name"] = "Riya Sharma" };
        if (consent is not null)
        {
            body["consent_capture"] = consent;
        }

        var contact = await (await Admin.PostJsonAsync("/api/v1/contacts", body)).ExpectAsync(200);
        return (string)contact["data"]!["id"]!;
    }

    /// <summary>Tops up org <c>default</c> through the CLI verb an operator would type.</summary>
    public Task TopUpAsync(long paise) => TopUpAsync(Appliance, "default", paise);

    /// <summary>Adds credits to an org the way an operator does, through the CLI's <c>credits topup</c>.</summary>
    public static async Task TopUpAsync(RunningAppliance appliance, string org, long paise)
    {
        var exit = await ApplianceCommandLine.Build()
            .Parse(TestStore.CliArguments(appliance.DataDir, "credits", "topup", "--data-dir", appliance.DataDir, "--org", org, "--amount-paise", paise.ToString(), "--reference", "test"))
            .InvokeAsync();
        Assert.Equal(0, exit);
    }

    public async Task<string> PlaceCallAsync(object body)
    {
        var created = await (await Admin.PostJsonAsync("/api/v1/calls", body)).ExpectAsync(201);
        return (string)created["data"]!["id"]!;
    }

    public Task<Call?> CallAsync(string id) => Appliance.Get<CallReader>().GetAsync(id);

    public async Task<JsonNode> GetCallAsync(string id) => (await (await Admin.GetAsync($"/api/v1/calls/{id}")).ExpectAsync(200))["data"]!;

    /// <summary>
    /// Moves the clock in steps, letting the appliance react after each, until <paramref name="done"/> holds for the
    /// call; fails if it does not within <paramref name="limit"/> of simulated time.
    /// </summary>
    public async Task<Call> AdvanceUntilAsync(string callId, Func<Call, bool> done, TimeSpan? limit = null, TimeSpan? step = null)
    {
        var until = Time.GetUtcNow() + (limit ?? TimeSpan.FromMinutes(10));
        while (true)
        {
            var call = await SettledAsync(callId);
            if (done(call))
            {
                return call;
            }

            Assert.True(Time.GetUtcNow() < until, $"Call {callId} is still {call.Status} ({call.EndReason}) at {Time.GetUtcNow():O}");
            Time.Advance(step ?? TimeSpan.FromSeconds(1));
        }
    }

    public Task<Call> AdvanceUntilFinalAsync(string callId, TimeSpan? limit = null) => AdvanceUntilAsync(callId, c => c.IsFinal, limit);

    /// <summary>
    /// Reads the call once the appliance has finished reacting, as far as a test can tell: the call's row and the
    /// number of timers armed stay the same over several looks, and the thread pool has no queued work (waited
    /// for a little while only, since other tests share the pool). The simulator's own timings can still slip
    /// by a step on a loaded machine; the dialer's rules (maximum duration, billing) do not depend on it.
    /// </summary>
    private async Task<Call> SettledAsync(string callId)
    {
        var previous = "";
        var stable = 0;
        for (var i = 0; i < 400 && stable < 3; i++)
        {
            await Task.Delay(3);
            var call = await CallAsync(callId) ?? throw new Xunit.Sdk.XunitException($"No call {callId}");
            var state = $"{call.Status}|{call.UpdatedAt:O}|{call.LastSeenAt:O}|{Clock.Armed}";
            var idle = ThreadPool.PendingWorkItemCount == 0 || i > 20;
            stable = state == previous && idle ? stable + 1 : 0;
            previous = state;
        }

        return (await CallAsync(callId))!;
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Appliance.DisposeAsync();
    }
}
