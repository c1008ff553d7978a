using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Relay.Connectors.Inbound;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Relay.Tests.Connectors;

/// <summary>CRM workflows starting sequences through the inbound URL: HubSpot's v3 signature, the shared secret, retries.</summary>
public sealed class InboundTests
{
    private const string AppSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

    [Fact]
    public void The_v3_signature_matches_a_vector_computed_independently_from_HubSpots_recipe_with_encoded_colons_in_the_query()
    {
        // Computed with Python's hmac from the documented recipe: base64(HMAC-SHA256(secret, method + decoded URI + body + timestamp)).
        const string sent = "https://dialer.example.com/api/v1/connectors/0197a3b2-6c1e-7d3a-9f41-2b8c5e7d9a10/inbound?source=workflow%3A42&at=2026-06-01T06%3A00";
        var body = Encoding.UTF8.GetBytes("""{"objectId":1042,"properties":{"email":"riya@example.in","firstname":"Riya"}}""");
        const string timestamp = "1780293600000";
        const string expected = "OAqI9LW6DWw69X1gtw6pf6NilZcGb40GyerOMEx4De0=";
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1780293600000).AddMinutes(2);

        Assert.Equal(expected, InboundSignature.Sign(AppSecret, "POST", sent, body, timestamp));
        Assert.Null(InboundSignature.CheckHubSpot(AppSecret, "POST", sent, body, timestamp, expected, at));
        Assert.Contains("5 minutes", InboundSignature.CheckHubSpot(AppSecret, "POST", sent, body, timestamp, expected, at.AddMinutes(4)));
        var tampered = Encoding.UTF8.GetBytes("""{"objectId":1043,"properties":{"email":"riya@example.in","firstname":"Riya"}}""");
        Assert.Contains("does not match", InboundSignature.CheckHubSpot(AppSecret, "POST", sent, tampered, timestamp, expected, at));
        Assert.Contains("does not match", InboundSignature.CheckHubSpot("another-secret", "POST", sent, body, timestamp, expected, at));
    }

    [Fact]
    public async Task A_signed_HubSpot_workflow_request_starts_one_enrollment_however_often_it_is_retried()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var admin = appliance.AdminClient();
        var template = await TemplateAsync(admin);
        var connector = await CreateAsync(admin, "hubspot", new { access_token = "pat-unused", app_secret = AppSecret }, new { inbound_template_id = template });
        var path = $"/api/v1/connectors/{connector}/inbound?source=workflow%3A42";
        var url = new Uri(appliance.BaseAddress, path).ToString();
        var body = """{"objectId":1042,"properties":{"email":{"value":"riya@example.in"},"firstname":{"value":"Riya"},"lastname":{"value":"Sharma"},"phone":{"value":"+91 98123 45678"}}}""";

        using var anonymous = appliance.Client();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var accepted = await (await anonymous.SendAsync(Signed(url, body, DateTimeOffset.UtcNow))).ExpectAsync(200);
            Assert.Equal("accepted", (string?)accepted["data"]!["status"]);
        }

        var log = await ProcessedAsync(admin, connector, 3);
        Assert.All(log, entry => Assert.Equal("accepted", (string?)entry!["verdict"]));
        var enrollment = Assert.Single(log.Select(e => (string?)e!["enrollment_id"]).Distinct());
        Assert.StartsWith("enr_", enrollment);
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM sequence_enrollments"));
        var started = (await (await admin.GetAsync($"/api/v1/sequences/enrollments/{enrollment}")).ExpectAsync(200))["data"]!;
        Assert.Equal("pending_review", (string?)started["status"]);
        var contact = (await (await admin.GetAsync($"/api/v1/contacts/{started["contact_id"]}")).ExpectAsync(200))["data"]!;
        Assert.Equal("riya@example.in", (string?)contact["email"]);
        Assert.Equal("+919812345678", (string?)contact["phone_e164"]);

        // Erasing the person drops the CRM payloads that carried their address; the log keeps the entries.
        await (await admin.DeleteAsync($"/api/v1/contacts/{started["contact_id"]}")).ExpectAsync(200);
        Assert.Equal(0, await CountAsync(appliance, "SELECT count(*) FROM connector_inbound WHERE body LIKE '%riya@example.in%'"));
        Assert.Equal(3, (await (await admin.GetAsync($"/api/v1/connectors/{connector}/inbound")).ExpectAsync(200))["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_stale_timestamp_a_tampered_body_a_wrong_secret_and_no_signature_are_refused_with_401_and_logged()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var admin = appliance.AdminClient();
        var template = await TemplateAsync(admin);
        var connector = await CreateAsync(admin, "hubspot", new { access_token = "pat-unused", app_secret = AppSecret }, new { inbound_template_id = template });
        var url = new Uri(appliance.BaseAddress, $"/api/v1/connectors/{connector}/inbound").ToString();
        const string body = """{"objectId":7,"properties":{"email":"dev@example.in"}}""";
        using var anonymous = appliance.Client();

        var stale = await anonymous.SendAsync(Signed(url, body, DateTimeOffset.UtcNow.AddMinutes(-6)));
        var tampered = Signed(url, body, DateTimeOffset.UtcNow);
        tampered.Content = new StringContent(body.Replace("dev@", "eve@", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        var forged = await anonymous.SendAsync(tampered);
        var wrongSecret = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        wrongSecret.Headers.Add(InboundSignature.SecretHeader, "not-the-secret");
        var guessed = await anonymous.SendAsync(wrongSecret);
        var unsigned = await anonymous.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

        foreach (var response in new[] { stale, forged, guessed, unsigned })
        {
            var error = await response.ExpectAsync(401);
            Assert.Equal("unauthorized", (string?)error["error"]!["code"]);
        }

        var log = (await (await admin.GetAsync($"/api/v1/connectors/{connector}/inbound")).ExpectAsync(200))["data"]!.AsArray();
        Assert.Equal(4, log.Count);
        Assert.All(log, entry => Assert.Equal("rejected", (string?)entry!["verdict"]));
        Assert.Contains(log, entry => ((string?)entry!["error"])!.Contains("5 minutes", StringComparison.Ordinal));
        Assert.Equal(0, await CountAsync(appliance, "SELECT count(*) FROM sequence_enrollments"));
        Assert.Equal(0, await CountAsync(appliance, "SELECT count(*) FROM connector_inbound WHERE body IS NOT NULL"));
        var metrics = await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains($"cualify_connector_inbound_rejected_total{{connector=\"{connector}\"}} 4", metrics);
    }

    [Fact]
    public async Task Behind_a_reverse_proxy_the_signature_is_checked_against_the_public_url()
    {
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?> { ["Api:PublicBaseUrl"] = "https://dialer.example.com" });
        using var admin = appliance.AdminClient();
        var template = await TemplateAsync(admin);
        var created = await (await admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "hubspot",
            name = "HubSpot",
            credentials = new { access_token = "pat-unused", app_secret = AppSecret },
            options = new { inbound_template_id = template },
        })).ExpectAsync(201);
        var connector = (string)created["data"]!["id"]!;
        var publicUrl = $"https://dialer.example.com/api/v1/connectors/{connector}/inbound?from=hubspot%3Aflow";
        Assert.Equal($"https://dialer.example.com/api/v1/connectors/{connector}/inbound", (string?)created["data"]!["inbound_url"]);
        const string body = """{"objectId":9,"properties":{"email":"proxy@example.in"}}""";
        using var anonymous = appliance.Client();
        var local = new Uri(appliance.BaseAddress, $"/api/v1/connectors/{connector}/inbound?from=hubspot%3Aflow");

        var viaProxy = Signed(publicUrl, body, DateTimeOffset.UtcNow);
        viaProxy.RequestUri = local;
        await (await anonymous.SendAsync(viaProxy)).ExpectAsync(200);
        await (await anonymous.SendAsync(Signed(local.ToString(), body, DateTimeOffset.UtcNow))).ExpectAsync(401);
    }

    [Fact]
    public async Task A_Zoho_workflow_webhook_with_the_secret_header_starts_one_enrollment_from_its_fields()
    {
        await using var appliance = await RelayHarness.StartAsync();
        using var admin = appliance.AdminClient();
        var template = await TemplateAsync(admin);
        var created = await (await admin.PostJsonAsync("/api/v1/connectors", new
        {
            kind = "zoho",
            name = "Zoho CRM",
            credentials = new { client_id = "1000.ABC", client_secret = "zoho-secret", refresh_token = "1000.refresh" },
            options = new { accounts_url = "https://accounts.zoho.in", inbound_template_id = template, inbound_auto_approve = true },
        })).ExpectAsync(201);
        var connector = (string)created["data"]!["id"]!;
        var secret = (string)created["inbound_secret"]!;
        Assert.Matches("^[0-9a-f]{64}$", secret);

        using var anonymous = appliance.Client();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/connectors/{connector}/inbound")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["id"] = "4876876000000624001", ["First_Name"] = "Asha", ["Last_Name"] = "Rao", ["Email"] = "asha@example.in" }),
            };
            request.Headers.Add(InboundSignature.SecretHeader, secret);
            await (await anonymous.SendAsync(request)).ExpectAsync(200);
        }

        var log = await ProcessedAsync(admin, connector, 2);
        var enrollment = Assert.Single(log.Select(e => (string?)e!["enrollment_id"]).Distinct());
        var started = (await (await admin.GetAsync($"/api/v1/sequences/enrollments/{enrollment}")).ExpectAsync(200))["data"]!;
        // auto_approve: the one email step leaves at once, so the enrollment is active or already completed.
        Assert.Contains((string?)started["status"], new[] { "active", "completed" });
        var contact = (await (await admin.GetAsync($"/api/v1/contacts/{started["contact_id"]}")).ExpectAsync(200))["data"]!;
        Assert.Equal("asha@example.in", (string?)contact["email"]);
        Assert.Equal("Asha", (string?)contact["first_name"]);
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM sequence_enrollments"));
    }

    /// <summary>HubSpot's side: the v3 headers over the URL it calls, computed here from the documented recipe.</summary>
    private static HttpRequestMessage Signed(string url, string body, DateTimeOffset at)
    {
        var timestamp = at.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var decoded = url.Replace("%3A", ":", StringComparison.OrdinalIgnoreCase);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AppSecret), Encoding.UTF8.GetBytes("POST" + decoded + body + timestamp)));
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-HubSpot-Signature-v3", signature);
        request.Headers.Add("X-HubSpot-Request-Timestamp", timestamp);
        return request;
    }

    private static async Task<string> TemplateAsync(HttpClient admin) =>
        (string)(await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "From the CRM",
            allowed_channels = new[] { "email" },
            steps = new[] { new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "Thanks for your interest." } },
        })).ExpectAsync(201))["data"]!["id"]!;

    private static async Task<string> CreateAsync(HttpClient admin, string kind, object credentials, object options) =>
        (string)(await (await admin.PostJsonAsync("/api/v1/connectors", new { kind, name = kind, credentials, options })).ExpectAsync(201))["data"]!["id"]!;

    private static async Task<JsonArray> ProcessedAsync(HttpClient admin, string connector, int count)
    {
        JsonArray log = [];
        await Eventually.TrueAsync(async () =>
        {
            log = (await (await admin.GetAsync($"/api/v1/connectors/{connector}/inbound")).ExpectAsync(200))["data"]!.AsArray();
            return log.Count == count && log.All(e => (string?)e!["status"] == "processed");
        }, $"{count} inbound requests are processed");
        return log;
    }

    private static Task<long> CountAsync(RunningAppliance appliance, string sql) =>
        appliance.Get<ApplianceStore>().ReadAsync(connection => connection.ExecuteScalarAsync<long>(sql));
}
