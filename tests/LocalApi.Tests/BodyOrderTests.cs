using System.Text.Json;
using Cualify.Appliance.Cli;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>
/// SPEC §2: in every body <c>id</c> comes first, then the list fields, then what only the single view adds. Read
/// from the raw JSON the real pipeline writes, for every resource with an id, as a list item and on its own.
/// </summary>
public sealed class BodyOrderTests
{
    private static readonly string[] CallListFields =
    [
        "id", "status", "direction", "from_e164", "to_e164", "language", "agent_id", "contact_id", "duration_sec",
        "credits_debited_paise", "recording_url", "llm_extracted_intent", "llm_sentiment", "llm_outcome", "outcome",
        "end_reason", "provider", "provider_call_id", "metadata", "started_at", "ended_at", "created_at",
    ];

    [Fact]
    public async Task Every_resource_body_starts_with_id_and_a_call_keeps_its_list_fields_before_transcript_and_timeline()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 4, 0, 0, TimeSpan.Zero));
        await using var appliance = await RunningAppliance.StartAsync(services: services => services.AddSingleton<TimeProvider>(time));
        using var admin = appliance.AdminClient();
        Assert.Equal(0, await ApplianceCommandLine.Build()
            .Parse(TestStore.CliArguments(appliance.DataDir, "credits", "topup", "--data-dir", appliance.DataDir, "--org", "default", "--amount-paise", "100000", "--reference", "test"))
            .InvokeAsync());
        var contact = await Id(admin.PostJsonAsync("/api/v1/contacts", new { phone_e164 = "+919812345678", name = "Riya Sharma", email = "riya@example.com", consent_capture = "website_form" }), 200);
        var playbook = await Id(admin.PostJsonAsync("/api/v1/playbooks", new { name = "Renewal", message_text = "Your policy renews on Friday." }), 201);
        // Not before next month, on a clock that stands still: the call stays queued and nothing is dialed.
        var call = await Id(admin.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = "+919812345678", not_before = "2026-07-01T06:00:00Z" }), 201);
        var template = await Id(admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Follow-up",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello {{ contact.first_name }}" } },
        }), 201);
        var started = await (await admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Lena", emails = new[] { "lena@example.de" } },
            auto_approve = false,
            idempotency_key = "lead-1",
        })).ExpectAsync(201);
        var enrollment = (string)started["data"]!["enrollment_id"]!;
        // A literal public address needs no lookup, and no call completes here, so nothing is ever delivered to it.
        var webhook = await Id(admin.PostJsonAsync("/api/v1/webhooks", new { url = "https://93.184.215.14/crm", events = new[] { "call.completed" } }), 201);

        var single = new[]
        {
            $"/api/v1/contacts/{contact}", $"/api/v1/playbooks/{playbook}", $"/api/v1/calls/{call}",
            $"/api/v1/sequences/templates/{template}", $"/api/v1/sequences/enrollments/{enrollment}", $"/api/v1/webhooks/{webhook}", "/api/v1/org",
        };
        foreach (var path in single)
        {
            var data = await DataAsync(admin, path);
            Assert.True(FirstName(data) == "id", $"GET {path} starts with {FirstName(data)}");
        }

        foreach (var path in (string[])["/api/v1/contacts", "/api/v1/playbooks", "/api/v1/calls", "/api/v1/sequences/templates", "/api/v1/webhooks", "/api/v1/api-keys"])
        {
            var items = (await DataAsync(admin, path)).EnumerateArray().ToList();
            Assert.NotEmpty(items);
            Assert.All(items, item => Assert.True(FirstName(item) == "id", $"an item of GET {path} starts with {FirstName(item)}"));
        }

        var listed = (await DataAsync(admin, "/api/v1/calls")).EnumerateArray().Single();
        var detail = await DataAsync(admin, $"/api/v1/calls/{call}");
        var listNames = listed.EnumerateObject().Select(p => p.Name).ToList();
        var detailNames = detail.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(CallListFields, listNames.Take(CallListFields.Length));
        Assert.Equal(listNames, detailNames.Take(listNames.Count));
        Assert.Contains("transcript", detailNames.Skip(listNames.Count));
        Assert.Contains("timeline", detailNames.Skip(listNames.Count));
    }

    private static async Task<string> Id(Task<HttpResponseMessage> created, int status) =>
        (string)(await (await created).ExpectAsync(status))["data"]!["id"]!;

    private static async Task<JsonElement> DataAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("data").Clone();
    }

    private static string FirstName(JsonElement body) => body.EnumerateObject().First().Name;
}
