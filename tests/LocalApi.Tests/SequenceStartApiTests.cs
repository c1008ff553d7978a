using System.Diagnostics;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Xunit.Abstractions;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary><c>POST /sequences/start</c> and template saving through the real pipeline: idempotency and render bounds.</summary>
public sealed class SequenceStartApiTests(ITestOutputHelper output)
{
    private static object Template(string body, string subject = "Hello {{ contact.first_name }}") => new
    {
        name = "Inbound lead",
        allowed_channels = new[] { "email" },
        steps = new object[] { new { channel = "email", delay_minutes = 0, subject, body } },
    };

    private static async Task<string> CreateTemplateAsync(HttpClient client, object template) =>
        (string)(await (await client.PostJsonAsync("/api/v1/sequences/templates", template)).ExpectAsync(201))["data"]!["id"]!;

    private static Task<long> CountAsync(RunningAppliance appliance, string sql) =>
        appliance.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<long>(sql));

    [Fact]
    public async Task A_repeat_with_the_same_idempotency_key_returns_the_original_ids_with_200_whatever_its_body()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var template = await CreateTemplateAsync(admin, Template("Hi {{ contact.first_name }}"));
        var first = await (await admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Maria", emails = new[] { "maria@example.com" }, notes = "Asked about pricing." },
            auto_approve = false,
            idempotency_key = "form-84211",
        })).ExpectAsync(201);

        // The same lead's form posted again: other notes, the address in other case, a phone number, auto_approve on.
        var repeat = await (await admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "María", emails = new[] { "MARIA@Example.com" }, phone_numbers = new[] { "+14155550101" }, notes = "Asked again." },
            auto_approve = true,
            idempotency_key = "form-84211",
        })).ExpectAsync(200);

        Assert.Equal((string?)first["data"]!["enrollment_id"], (string?)repeat["data"]!["enrollment_id"]);
        Assert.Equal((string?)first["data"]!["contact_id"], (string?)repeat["data"]!["contact_id"]);
        Assert.Equal("pending_review", (string?)repeat["data"]!["status"]);
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM sequence_enrollments"));
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM sequence_steps"));
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM events WHERE type = 'sequence.enrollment_created'"));
        var contact = (await (await admin.GetAsync($"/api/v1/contacts/{(string?)first["data"]!["contact_id"]}")).ExpectAsync(200))["data"]!;
        Assert.Equal("Maria", (string?)contact["first_name"]);
        Assert.Null((string?)contact["phone_e164"]);
        Assert.DoesNotContain("Asked again.", (string)contact["notes"]!);
    }

    [Fact]
    public async Task The_Idempotency_Key_header_on_sequences_start_keeps_its_409_for_another_body()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var template = await CreateTemplateAsync(admin, Template("Hi {{ contact.first_name }}"));
        object Body(string notes) => new { template_id = template, contact = new { first_name = "Maria", emails = new[] { "maria@example.com" }, notes }, auto_approve = false };

        await (await admin.PostJsonAsync("/api/v1/sequences/start", Body("first"), idempotencyKey: "hdr-1")).ExpectAsync(201);
        await (await admin.PostJsonAsync("/api/v1/sequences/start", Body("second"), idempotencyKey: "hdr-1")).ExpectErrorAsync(409, "conflict", "Idempotency-Key");
        Assert.Equal(1, await CountAsync(appliance, "SELECT count(*) FROM sequence_enrollments"));
    }

    [Fact]
    public async Task A_template_that_cannot_render_within_bounds_is_refused_at_save_naming_the_step_and_field()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var nestedLoops = "{% for i in (1..12000) %}{% for j in (1..12000) %}x{% endfor %}{% endfor %}";
        var hugeOutput = "{% for i in (1..3) %}" + new string('y', 90_000) + "{% endfor %}";

        var refused = await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Runaway",
            allowed_channels = new[] { "email" },
            steps = new object[]
            {
                new { channel = "email", delay_minutes = 0, subject = "Hello", body = "Fine." },
                new { channel = "email", delay_minutes = 60, body = nestedLoops },
                new { channel = "email", delay_minutes = 60, body = hugeOutput },
            },
        })).ExpectErrorAsync(422, "invalid_request", "steps[1].body");
        var fields = refused["details"]!["fieldErrors"]!.AsObject();
        Assert.Contains("statements", (string)fields["steps[1].body"]![0]!);
        Assert.Contains("characters", (string)fields["steps[2].body"]![0]!);
        Assert.Equal(0, await CountAsync(appliance, "SELECT count(*) FROM sequence_templates"));

        var template = await CreateTemplateAsync(admin, Template("Fine."));
        await (await admin.PatchJsonAsync($"/api/v1/sequences/templates/{template}", new
        {
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = nestedLoops, body = "Fine." } },
        })).ExpectErrorAsync(422, "invalid_request", "steps[0].subject");
        var stored = (await (await admin.GetAsync($"/api/v1/sequences/templates/{template}")).ExpectAsync(200))["data"]!;
        Assert.Equal("Fine.", (string?)stored["steps"]![0]!["body"]);
    }

    [Fact]
    public async Task A_sending_window_that_never_opens_is_refused_at_save()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Leap day only",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hello", body = "Hi." } },
            sending_window = "0 9 30 2 *",
        })).ExpectErrorAsync(422, "invalid_request", "sending_window");
        Assert.Equal(0, await CountAsync(appliance, "SELECT count(*) FROM sequence_templates"));
    }

    [Fact]
    public async Task One_orgs_runaway_template_fails_its_step_and_does_not_delay_another_orgs_writes()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var orgA = appliance.AdminClient();
        using var orgB = appliance.Client(await appliance.KeyAsync(Scope.Write, "org-b"));

        // Passes the check at save (the loops run zero times for a blank contact) but not for this contact's data.
        var runaway = "{% for i in (1..contact.metadata.n) %}{% for j in (1..contact.metadata.n) %}x{% endfor %}{% endfor %}";
        var template = await CreateTemplateAsync(orgA, Template(runaway));

        var baseline = await TimeContactWritesAsync(orgB, "+1415555", 0, 15);
        var starts = Enumerable.Range(0, 6).Select(i => orgA.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Runaway", emails = new[] { $"runaway{i}@example.com" }, metadata = new JsonObject { ["n"] = 12_000 } },
            auto_approve = true,
        })).ToList();
        var during = await TimeContactWritesAsync(orgB, "+1415556", 0, 15);
        var started = new List<JsonNode>();
        foreach (var start in starts)
        {
            started.Add((await (await start).ExpectAsync(201))["data"]!);
        }

        var baselineMedian = Median(baseline);
        var duringMedian = Median(during);
        output.WriteLine($"org B POST /contacts median: {baselineMedian.TotalMilliseconds:F1} ms alone, {duringMedian.TotalMilliseconds:F1} ms while org A started 6 runaway enrollments (max {during.Max().TotalMilliseconds:F1} ms)");
        var bound = (baselineMedian * 5) + TimeSpan.FromMilliseconds(100);
        Assert.True(duringMedian <= bound, $"org B's writes slowed from a median of {baselineMedian.TotalMilliseconds:F1} ms to {duringMedian.TotalMilliseconds:F1} ms (bound {bound.TotalMilliseconds:F1} ms)");

        foreach (var enrollment in started)
        {
            var view = (await (await orgA.GetAsync($"/api/v1/sequences/enrollments/{(string?)enrollment["enrollment_id"]}")).ExpectAsync(200))["data"]!;
            var step = view["steps"]![0]!;
            Assert.Equal("failed", (string?)step["status"]);
            Assert.Contains("steps[0].body could not be rendered", (string)step["error"]!);
            Assert.Contains("statements", (string)step["error"]!);
            Assert.Equal("completed", (string?)view["status"]);
        }
    }

    private static async Task<List<TimeSpan>> TimeContactWritesAsync(HttpClient client, string prefix, int from, int count)
    {
        var times = new List<TimeSpan>();
        for (var i = from; i < from + count; i++)
        {
            var watch = Stopwatch.StartNew();
            await client.UpsertContactAsync($"{prefix}{i:D4}");
            times.Add(watch.Elapsed);
        }

        return times;
    }

    private static TimeSpan Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2);
}
