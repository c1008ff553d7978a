using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Credits;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using Npgsql;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// Two appliances with <c>Dialer:Provider=twilio</c> on one PostgreSQL database behind one public address (SPEC §9).
/// The load balancer is played by the public address itself: it is the other node's port, so every request Twilio
/// sends reaches <see cref="Other"/> while <see cref="Placing"/> dials. The other node starts only once the placing
/// node has dialed, so that it never takes the call itself.
/// </summary>
public sealed class TwoTwilioNodes : IAsyncDisposable
{
    public const string Callee = "+919812345601";
    public const string CallerId = "+918049123456";
    private readonly PostgresDatabase _database;
    private readonly int _otherPort = FreePorts.Tcp();

    private readonly Action<Dictionary<string, string?>>? _adjust;

    private TwoTwilioNodes(FakeTwilio twilio, PostgresDatabase database, Action<Dictionary<string, string?>>? adjust)
    {
        Twilio = twilio;
        _database = database;
        _adjust = adjust;
    }

    public FakeTwilio Twilio { get; }

    public RunningAppliance Placing { get; private set; } = null!;

    public RunningAppliance? Other { get; private set; }

    /// <summary>Where Twilio sends every request: the other node.</summary>
    public Uri PublicBase => new($"http://127.0.0.1:{_otherPort}/");

    /// <param name="adjust">Changes to both nodes' settings.</param>
    public static async Task<TwoTwilioNodes> StartAsync(Action<Dictionary<string, string?>>? adjust = null)
    {
        var nodes = new TwoTwilioNodes(await FakeTwilio.StartAsync(), await PostgresDatabase.CreateAsync(), adjust);
        nodes.Placing = await RunningAppliance.StartAsync(settings: nodes.Settings(FreePorts.Tcp()));
        var orgs = nodes.Placing.Get<OrgStore>();
        var org = (await orgs.FindAsync(OrgStore.DefaultName))!;
        await orgs.UpdateSettingsAsync(org.Id, new OrgSettingsChange(CallingHours: "* * * * *"));
        await nodes.Placing.Get<CreditLedger>().TopUpAsync(org.Id, 1_000_000, null);
        return nodes;
    }

    /// <summary>
    /// A call queued through the placing node's API, dialed by it; then the other node is started. With
    /// <paramref name="prompt"/> (a WAV), the playbook's prompt is uploaded to the placing node first.
    /// </summary>
    public async Task<(string CallId, FakeTwilioCall Placed)> PlaceAsync(object? playbook = null, byte[]? prompt = null)
    {
        using var admin = Placing.AdminClient();
        var agentId = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", playbook ?? DialerHarness.RenewalPlaybook)).ExpectAsync(201))["data"]!["id"]!;
        if (prompt is not null)
        {
            var wav = new ByteArrayContent(prompt) { Headers = { ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("audio/wav") } };
            await (await admin.PostAsync($"/api/v1/playbooks/{agentId}/audio", wav)).ExpectAsync(201);
        }

        await (await admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = Callee, name = "Riya Sharma", consent_capture = "website_form" })).ExpectAsync(200);
        var callId = (string)(await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = agentId, to_e164 = Callee, from_e164 = CallerId })).ExpectAsync(201))["data"]!["id"]!;
        var placed = await Twilio.NextCallAsync();
        Assert.Empty(Twilio.Violations);
        // As with Twilio, whose callbacks follow its answer to the create: the placing node has taken that answer in.
        await WaitForAsync(callId, c => c.ProviderCallId == placed.Sid);
        Other ??= await RunningAppliance.StartAsync(settings: Settings(_otherPort));
        return (callId, placed);
    }

    public Task<Call?> CallAsync(string callId) => Placing.Get<CallReader>().GetAsync(callId);

    /// <summary>The call once <paramref name="done"/> holds for it in the store; fails after 20 seconds.</summary>
    public async Task<Call> WaitForAsync(string callId, Func<Call, bool> done)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            var call = await CallAsync(callId) ?? throw new Xunit.Sdk.XunitException($"No call {callId}");
            if (done(call))
            {
                return call;
            }

            Assert.True(DateTimeOffset.UtcNow < until, $"Call {callId} is still {call.Status} ({call.EndReason})");
            await Task.Delay(50);
        }
    }

    public async Task<NpgsqlConnection> OpenStoreAsync()
    {
        var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    private Dictionary<string, string?> Settings(int port)
    {
        var settings = _database.Settings(TwilioTestHost.Settings(Twilio));
        settings["Api:Urls"] = $"http://127.0.0.1:{port}";
        settings["Api:PublicBaseUrl"] = PublicBase.ToString();
        settings["Cluster:NodeUrl"] = $"http://127.0.0.1:{port}/";
        // Callbacks must do the work: the safety poll would only run after an hour.
        settings["Dialer:Twilio:CallbackSafetyPollInterval"] = "01:00:00";
        _adjust?.Invoke(settings);
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await Twilio.SettleAsync();
        if (Other is not null)
        {
            await Other.DisposeAsync();
        }

        await Placing.DisposeAsync();
        await Twilio.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await _database.DisposeAsync();
    }
}
