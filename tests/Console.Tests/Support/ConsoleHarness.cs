using System.Text.Json.Nodes;
using Cualify.Appliance.Cli;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>
/// The real appliance on the real clock (a browser's page updates cannot follow a fake one), with org
/// <c>default</c> ready to call: open calling hours, credits, a playbook.
/// </summary>
public sealed class ConsoleHarness : IAsyncDisposable
{
    private ConsoleHarness(RunningAppliance appliance, string agentId)
    {
        Appliance = appliance;
        Admin = appliance.AdminClient();
        AgentId = agentId;
    }

    public RunningAppliance Appliance { get; }

    public HttpClient Admin { get; }

    public string AgentId { get; }

    public Uri BaseAddress => Appliance.BaseAddress;

    public static async Task<ConsoleHarness> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var appliance = await RunningAppliance.StartAsync(settings: settings);
        var admin = appliance.AdminClient();
        // Any minute of any day, many attempts a day: neither the time of day nor earlier tests may hold a call back.
        await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *", max_attempts_per_day = 100 })).ExpectAsync(200);
        await DialerHarness.TopUpAsync(appliance, OrgStore.DefaultName, 1_000_000);
        var playbook = await (await admin.PostJsonAsync("/api/v1/playbooks", DialerHarness.RenewalPlaybook)).ExpectAsync(201);
        return new ConsoleHarness(appliance, (string)playbook["data"]!["id"]!);
    }

    /// <summary>Another org ready to place calls through the API: its admin client and its playbook.</summary>
    public async Task<(HttpClient Admin, string AgentId)> OtherOrgAsync(string name)
    {
        var admin = Appliance.Client(await KeyAsync(Scope.Admin, name));
        await (await admin.PatchJsonAsync("/api/v1/org", new { calling_hours = "* * * * *", max_attempts_per_day = 100 })).ExpectAsync(200);
        await DialerHarness.TopUpAsync(Appliance, name, 1_000_000);
        var playbook = await (await admin.PostJsonAsync("/api/v1/playbooks", DialerHarness.RenewalPlaybook)).ExpectAsync(201);
        return (admin, (string)playbook["data"]!["id"]!);
    }

    public async Task<Org> OrgAsync(string name = OrgStore.DefaultName) =>
        await Appliance.Get<OrgStore>().FindAsync(name) ?? await Appliance.Get<OrgStore>().CreateAsync(name);

    public async Task<string> KeyAsync(Scope scope, string org = OrgStore.DefaultName)
    {
        var created = await Appliance.Get<ApiKeyStore>().CreateAsync((await OrgAsync(org)).Id, new NewApiKey($"{scope} key", scope));
        return created.FullKey;
    }

    public async Task RevokeAsync(string fullKey)
    {
        var (key, _) = await Appliance.Get<ApiKeyStore>().AuthenticateAsync(fullKey);
        await Appliance.Get<ApiKeyStore>().RevokeAsync(key!.OrgId, key.Id);
    }

    /// <summary>Places a call through the API; a number ending in 88 answers at about 5 s and stays on until hung up.</summary>
    public async Task<string> PlaceCallAsync(string to = "+919812345688", HttpClient? client = null, string? agentId = null)
    {
        client ??= Admin;
        await (await client.PostJsonAsync("/api/v1/contacts", new JsonObject { ["phone_e164"] = to, ["name"] = "Riya Sharma", ["consent_capture"] = "website_form" })).ExpectAsync(200);
        var created = await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = agentId ?? AgentId, to_e164 = to })).ExpectAsync(201);
        return (string)created["data"]!["id"]!;
    }

    public async Task<Call> WaitForCallAsync(string id, Func<Call, bool> done, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var call = await Appliance.Get<CallReader>().GetAsync(id) ?? throw new Xunit.Sdk.XunitException($"No call {id}");
            if (done(call))
            {
                return call;
            }

            Assert.True(DateTime.UtcNow < until, $"Call {id} is still {call.Status}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => Appliance.DisposeAsync();
}
