using System.Net;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Playbooks in Chromium: create and edit through the form, upload a prompt, the preview player, read keys.</summary>
public sealed class PlaybookPageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task A_playbook_created_through_the_form_places_a_call_through_the_API_and_its_preview_plays()
    {
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await page.GotoAsync("/console/playbooks");
        await page.GetByLabel("Name").FillAsync("Console renewal");
        await page.GetByLabel("Disclosure").FillAsync("This is an automated call from Acme Insurance.");
        await page.GetByLabel("Message").FillAsync("Your policy renews next week. Press 9 to stop these calls.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create playbook" }).ClickAsync();
        await page.ArrivesAtAsync(new System.Text.RegularExpressions.Regex("/console/playbooks/[^/?]+$"));
        var agentId = (await page.Locator("[data-agent-id]").InnerTextAsync()).Trim();
        await Screenshots.SaveAsync(page, "playbook");

        var stored = await Harness.Appliance.Get<PlaybookStore>().GetAsync((await Harness.OrgAsync()).Id, agentId);
        Assert.Equal("Your policy renews next week. Press 9 to stop these calls.", stored!.MessageText);
        Assert.Equal("opt_out", stored.DtmfMap["9"]);

        var callId = await Harness.PlaceCallAsync("+919812341188", agentId: agentId);
        var answered = await Harness.WaitForCallAsync(callId, c => c.Status == CallStatus.InProgress || c.IsFinal);
        Assert.Equal(CallStatus.InProgress, answered.Status);
        Assert.Equal(agentId, answered.AgentId);
        await Harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null);

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var preview = await http.GetAsync(await page.Locator("audio").GetAttributeAsync("src"));
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("audio/wav", preview.Content.Headers.ContentType?.MediaType);
        // Spoken disclosure and message: seconds of 8 kHz 16-bit audio, far more than a header.
        Assert.True((await preview.Content.ReadAsByteArrayAsync()).Length > 16_000, "the preview holds no speech");
    }

    [Fact]
    public async Task Editing_saves_through_the_store_and_an_uploaded_wav_replaces_the_spoken_message()
    {
        var orgId = (await Harness.OrgAsync()).Id;
        var created = await Harness.Appliance.Get<PlaybookStore>().CreateAsync(orgId, new PlaybookInput("Edit me", DisclosureText: "Automated call.", MessageText: "Hello."));
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await page.GotoAsync($"/console/playbooks/{created.Id}");

        await page.GetByLabel("Message", new() { Exact = true }).FillAsync("Hello again.");
        await page.GetByLabel("Handoff target").FillAsync("");
        await page.GetByLabel("Maximum duration (s)").FillAsync("120");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save playbook" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved.");
        var saved = await Harness.Appliance.Get<PlaybookStore>().GetAsync(orgId, created.Id);
        Assert.Equal(("Hello again.", 120), (saved!.MessageText, saved.MaxDurationSec));

        await page.GetByLabel("PCM WAV prompt", new() { Exact = false }).SetInputFilesAsync(new FilePayload
        {
            Name = "prompt.wav",
            MimeType = "audio/wav",
            Buffer = Wav.Tone(seconds: 1, sampleRate: 16_000),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Upload audio" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Audio uploaded.");
        Assert.Contains("uploaded", await page.Locator("[data-prompt]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.NotNull((await Harness.Appliance.Get<PlaybookStore>().GetAsync(orgId, created.Id))!.AudioId);

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync($"/console/playbooks/{created.Id}"));
        var bad = await http.PostFormAsync($"/console/playbooks/{created.Id}/save", [new("__RequestVerificationToken", token), new("max_duration_sec", "soon")]);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("whole number", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_key_sees_playbooks_and_the_player_but_no_forms_and_its_post_is_refused()
    {
        var orgId = (await Harness.OrgAsync()).Id;
        var created = await Harness.Appliance.Get<PlaybookStore>().CreateAsync(orgId, new PlaybookInput("Read only", DisclosureText: "Automated call.", MessageText: "Hi."));
        var page = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Read));

        await page.GotoAsync("/console/playbooks");
        await Assertions.Expect(page.Locator($"tr[data-playbook='{created.Id}']")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("main form[method='post']").CountAsync());
        await page.GotoAsync($"/console/playbooks/{created.Id}");
        Assert.Equal(0, await page.Locator("main form[method='post']").CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Save playbook" }).CountAsync());
        await Assertions.Expect(page.Locator("audio")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByLabel("Settings")).ToContainTextAsync("Hi.");
        await Screenshots.SaveAsync(page, "playbook-read-key");

        using var http = await ConsoleHttp.LikeAsync(page, Fixture.BaseAddress);
        var token = ConsoleHttp.TokenIn(await http.GetStringAsync($"/console/playbooks/{created.Id}"));
        var refused = await http.PostFormAsync($"/console/playbooks/{created.Id}/save", [new("__RequestVerificationToken", token), new("message_text", "Changed")]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Hi.", (await Harness.Appliance.Get<PlaybookStore>().GetAsync(orgId, created.Id))!.MessageText);
    }
}
