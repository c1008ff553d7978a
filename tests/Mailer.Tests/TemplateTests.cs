using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>Templates CRUD and the rules checked when one is saved.</summary>
public sealed class TemplateTests
{
    [Fact]
    public async Task A_Liquid_error_is_reported_at_save_time_naming_the_step_and_the_position()
    {
        await using var h = await MailerHarness.StartAsync();

        var error = await (await h.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Broken",
            allowed_channels = new[] { "email" },
            steps = new object[]
            {
                new { channel = "email", delay_minutes = 0, subject = "Hi {{ contact.first_name }}", body = "Fine" },
                new { channel = "email", delay_minutes = 60, body = "Line one\nHi {{ contact.first_name " },
            },
        })).ExpectErrorAsync(422, "invalid_request", "steps[1].body");

        var message = (string)error["details"]!["fieldErrors"]!["steps[1].body"]![0]!;
        Assert.Contains("line 2, column", message);
        Assert.Equal(0, await h.CountAsync("SELECT count(*) FROM sequence_templates"));
    }

    [Fact]
    public async Task Writer_instructions_are_checked_at_save_and_a_step_may_have_a_writer_instead_of_fixed_text()
    {
        await using var h = await MailerHarness.StartAsync();

        var error = await (await h.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Broken writer",
            allowed_channels = new[] { "email", "voice" },
            steps = new object[]
            {
                new { channel = "email", delay_minutes = 0, writer = new { instructions = "Greet\n{{ contact.first_name " } },
                new { channel = "email", delay_minutes = 60, writer = new { instructions = "  " } },
                new { channel = "voice", delay_minutes = 60, agent_id = "00000000-0000-0000-0000-000000000000", writer = new { instructions = "Say hello" } },
                new { channel = "email", delay_minutes = 60, writer = new { instructions = "{% for i in (1..100000000) %}x{% endfor %}" } },
            },
        })).ExpectErrorAsync(422, "invalid_request");

        var fields = error["details"]!["fieldErrors"]!.AsObject();
        Assert.Contains("line 2, column", (string)fields["steps[0].writer.instructions"]![0]!);
        Assert.True(fields.ContainsKey("steps[1].writer.instructions"), fields.ToJsonString());
        Assert.Contains("email steps", (string)fields["steps[2].writer"]![0]!);
        Assert.Equal(0, await h.CountAsync("SELECT count(*) FROM sequence_templates"));

        var bounds = await (await h.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Looping writer",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, writer = new { instructions = "{% for i in (1..100000000) %}x{% endfor %}" } } },
        })).ExpectErrorAsync(422, "invalid_request", "steps[0].writer.instructions");
        Assert.Contains("bounds", (string)bounds["message"]! + bounds["details"]!.ToJsonString());

        var id = await h.CreateTemplateAsync(new
        {
            name = "Written only",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, writer = new { instructions = "Thank {{ contact.first_name }} for the visit." } } },
        });
        var stored = (await (await h.Admin.GetAsync($"/api/v1/sequences/templates/{id}")).ExpectAsync(200))["data"]!["steps"]![0]!;
        Assert.Equal("Thank {{ contact.first_name }} for the visit.", (string?)stored["writer"]!["instructions"]);
        Assert.Null(stored["subject"]);
    }

    [Fact]
    public async Task Channels_outside_allowed_channels_a_bad_window_and_a_voice_step_without_playbook_are_refused()
    {
        await using var h = await MailerHarness.StartAsync();

        var error = await (await h.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Mixed",
            allowed_channels = new[] { "email" },
            steps = new object[]
            {
                new { channel = "voice", delay_minutes = 0 },
                new { channel = "sms", delay_minutes = 0, body = "x" },
            },
            sending_window = "every weekday",
        })).ExpectErrorAsync(422, "invalid_request");

        var fields = error["details"]!["fieldErrors"]!.AsObject();
        Assert.Contains("not in allowed_channels", (string)fields["steps[0].channel"]![0]!);
        Assert.True(fields.ContainsKey("steps[0].agent_id"), fields.ToJsonString());
        Assert.True(fields.ContainsKey("steps[1].channel"), fields.ToJsonString());
        Assert.True(fields.ContainsKey("sending_window"), fields.ToJsonString());
    }

    [Fact]
    public async Task Templates_are_listed_read_and_patched_within_the_org()
    {
        await using var h = await MailerHarness.StartAsync();
        var id = await h.CreateTemplateAsync(new
        {
            name = "Inbound",
            allowed_channels = new[] { "email", "voice" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hi", body = "Hello {{ contact.first_name }}" } },
            sending_window = "* 9-17 * * 1-5",
        });
        Assert.StartsWith("tpl_", id);

        var patched = (await (await h.Admin.PatchJsonAsync($"/api/v1/sequences/templates/{id}", new
        {
            name = "Inbound v2",
            variants_by_language = new { es = new { steps = new[] { new { subject = "Hola", body = "Hola {{ contact.first_name }}" } } } },
            stop_on_reply = false,
        })).ExpectAsync(200))["data"]!;
        Assert.Equal("Inbound v2", (string?)patched["name"]);
        Assert.Equal("* 9-17 * * 1-5", (string?)patched["sending_window"]);
        Assert.False((bool)patched["stop_on_reply"]!);
        Assert.Equal("Hola", (string?)patched["variants_by_language"]!["es"]!["steps"]![0]!["subject"]);

        var list = await (await h.Admin.GetAsync("/api/v1/sequences/templates?limit=10")).ExpectAsync(200);
        Assert.Equal(1, (int)list["pagination"]!["total"]!);
        Assert.Equal(id, (string?)list["data"]![0]!["id"]);
        await (await h.Admin.PatchJsonAsync($"/api/v1/sequences/templates/{id}", new { allowed_channels = new[] { "voice" } }))
            .ExpectErrorAsync(422, "invalid_request", "steps[0].channel");
        await (await h.Admin.GetAsync("/api/v1/sequences/templates/tpl_nothere")).ExpectErrorAsync(404, "not_found");
        await (await h.Admin.GetAsync("/api/v1/sequences/templates?limit=500")).ExpectErrorAsync(400, "invalid_request", "limit");
    }
}
