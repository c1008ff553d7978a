using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>
/// The real appliance (Kestrel, SQLite, simulator dialer, mailer to its pickup folder) on a fake clock, and a
/// HubSpot stand-in on the same clock, with the steps connector tests take: a connector, contacts, calls, emails,
/// and moving time until the syncs are done.
/// </summary>
public sealed class ConnectorWorld : IAsyncDisposable
{
    private ConnectorWorld(DialerHarness dialer, HubSpotStandIn hubSpot)
    {
        Dialer = dialer;
        HubSpot = hubSpot;
    }

    public DialerHarness Dialer { get; }

    public HubSpotStandIn HubSpot { get; }

    public HttpClient Admin => Dialer.Admin;

    public RunningAppliance Appliance => Dialer.Appliance;

    public static async Task<ConnectorWorld> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Connectors:RequestTimeout"] = "00:01:00",
            ["Connectors:PollInterval"] = "00:00:01",
            ["Dialer:CallsPerSecond"] = "50",
            ["Dialer:MaxConcurrentCalls"] = "500",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var hubSpot = await HubSpotStandIn.StartAsync();
        var dialer = await DialerHarness.StartAsync(settings: all);
        hubSpot.Clock = dialer.Clock;
        await dialer.Appliance.Get<ApplianceStore>().WriteAsync(tx => tx.ExecuteAsync("UPDATE orgs SET rate_limit_per_minute = 1000000"));
        await dialer.TopUpAsync(100_000_000);
        return new ConnectorWorld(dialer, hubSpot);
    }

    /// <summary>A HubSpot connector pointed at the stand-in; static token unless OAuth credentials are given.</summary>
    public async Task<(string Id, string InboundSecret)> CreateHubSpotAsync(object? credentials = null, object? options = null)
    {
        var body = await (await Admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "hubspot",
            name = "Sales portal",
            credentials = credentials ?? new { access_token = HubSpot.StaticToken },
            options = options ?? new { base_url = HubSpot.BaseUrl },
        })).ExpectAsync(201);
        return ((string)body["data"]!["id"]!, (string)body["inbound_secret"]!);
    }

    public static object OAuth(string refreshToken = HubSpotStandIn.RefreshToken) =>
        new { client_id = HubSpotStandIn.ClientId, client_secret = HubSpotStandIn.ClientSecret, refresh_token = refreshToken };

    public async Task<string> ContactAsync(string phone, string? email, string name)
    {
        var body = new JsonObject { ["phone_e164"] = phone, ["name"] = name, ["consent_capture"] = "website_form" };
        if (email is not null)
        {
            body["email"] = email;
        }

        return (string)(await (await Admin.PostJsonAsync("/api/v1/contacts", body)).ExpectAsync(200))["data"]!["id"]!;
    }

    public Task<string> PlaceCallAsync(string agentId, string phone) => Dialer.PlaceCallAsync(new { agent_id = agentId, to_e164 = phone });

    /// <summary>
    /// <paramref name="count"/> contacts {name}N at {name}N@example.in and a call to each from a new playbook;
    /// the simulator ends a number by its last two digits (10 answers, 81 is busy).
    /// </summary>
    public async Task PlaceCallsToNewContactsAsync(int count, string name, string ending = "10")
    {
        var agentId = await Dialer.CreatePlaybookAsync();
        for (var i = 0; i < count; i++)
        {
            var phone = $"+91981234{i:D2}{ending}";
            await ContactAsync(phone, $"{name}{i}@example.in", $"{name} {i}");
            await PlaceCallAsync(agentId, phone);
        }
    }

    /// <summary>A one-step "Welcome {{ contact.first_name }}" email sequence started for ReaderN at readerN@example.com.</summary>
    public async Task StartWelcomeSequencesAsync(int count)
    {
        var template = (string)(await (await Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Welcome",
            allowed_channels = new[] { "email" },
            steps = new[] { new { channel = "email", delay_minutes = 0, subject = "Welcome {{ contact.first_name }}", body = "Hello {{ contact.first_name }}, thanks for your time." } },
        })).ExpectAsync(201))["data"]!["id"]!;
        for (var i = 0; i < count; i++)
        {
            await (await Admin.PostJsonAsync("/api/v1/sequences/start", new
            {
                template_id = template,
                contact = new { first_name = $"Reader{i}", emails = new[] { $"reader{i}@example.com" } },
                auto_approve = true,
            })).ExpectAsync(201);
        }
    }

    /// <summary>
    /// A reply from replier@example.in to <paramref name="messageId"/>: the mailer's IMAP watcher writes
    /// <c>email.replied</c> with the reply's own change; here the outbox gets it directly.
    /// </summary>
    public async Task AppendReplyAsync(string contactId, string messageId)
    {
        var orgId = await Dialer.DefaultOrgIdAsync();
        await Appliance.Get<ApplianceStore>().WriteAsync(tx => Appliance.Get<EventOutbox>().AppendAsync(tx, orgId, "email.replied", new
        {
            enrollment_id = "enr_0197a3b26c1e7d3a9f412b8c5e7d9a10",
            contact_id = contactId,
            step = 0,
            message_id = $"<{messageId}>",
            from = "replier@example.in",
            subject = "Re: Your renewal",
            received_at = tx.Now,
        }));
    }

    /// <summary>Moves the fake clock a step at a time until <paramref name="done"/> holds.</summary>
    public async Task AdvanceUntilAsync(Func<Task<bool>> done, string what, TimeSpan? step = null, TimeSpan? limit = null)
    {
        var until = Dialer.Time.GetUtcNow() + (limit ?? TimeSpan.FromMinutes(30));
        var realDeadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!await done())
        {
            Assert.True(Dialer.Time.GetUtcNow() < until && DateTime.UtcNow < realDeadline, $"Timed out waiting until {what}");
            Dialer.Time.Advance(step ?? TimeSpan.FromSeconds(1));
            await Task.Delay(15);
        }
    }

    public Task<long> CountAsync(string sql, object? args = null) =>
        Appliance.Get<ApplianceStore>().ReadAsync(connection => connection.ExecuteScalarAsync<long>(sql, args));

    public async Task<bool> CallsFinalAsync(int count) =>
        await CountAsync("SELECT count(*) FROM calls WHERE status IN ('completed', 'failed', 'no_answer', 'busy', 'canceled')") >= count;

    public Task<long> SyncsAsync(string status) => CountAsync("SELECT count(*) FROM connector_syncs WHERE status = @status", new { status });

    public async Task<JsonArray> SyncListAsync(string connectorId)
    {
        var all = new JsonArray();
        for (var offset = 0; ; offset += 100)
        {
            var page = await (await Admin.GetAsync($"/api/v1/connectors/{connectorId}/syncs?limit=100&offset={offset}")).ExpectAsync(200);
            foreach (var item in page["data"]!.AsArray().ToList())
            {
                page["data"]!.AsArray().Remove(item);
                all.Add(item);
            }

            if (!(bool)page["pagination"]!["has_more"]!)
            {
                return all;
            }
        }
    }

    public async Task<JsonNode> ConnectorAsync(string id) => (await (await Admin.GetAsync($"/api/v1/connectors/{id}")).ExpectAsync(200))["data"]!;

    public async ValueTask DisposeAsync()
    {
        await Dialer.DisposeAsync();
        await HubSpot.DisposeAsync();
    }
}
