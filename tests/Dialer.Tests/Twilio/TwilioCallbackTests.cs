using System.Xml.Linq;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>Calls whose progress arrives as signed status callbacks at the running appliance's public endpoints.</summary>
public sealed class TwilioCallbackTests(TwilioApplianceFixture fixture) : IClassFixture<TwilioApplianceFixture>
{
    private FakeTwilio Twilio => fixture.Twilio;

    [Fact]
    public async Task Asks_for_every_call_progress_event_at_the_public_url()
    {
        var plan = TestPlans.Plan();
        var (_, _, placed) = await fixture.StartCallAsync(plan);

        Assert.Empty(Twilio.Violations);
        Assert.Equal(new Uri(fixture.PublicBase, $"api/v1/providers/twilio/calls/{plan.CallId}/status").AbsoluteUri, placed.StatusCallback);
        Assert.Equal("POST", placed.Form["StatusCallbackMethod"][0]);
        Assert.Equal(["initiated", "ringing", "answered", "completed"], placed.Events);
        var gather = placed.TwimlDocument.Root!.Element("Gather")!;
        Assert.Equal(new Uri(fixture.PublicBase, $"api/v1/providers/twilio/calls/{plan.CallId}/gather").AbsoluteUri, (string?)gather.Attribute("action"));
        Assert.Equal("Enable", placed.Form["MachineDetection"][0]);
        Assert.Equal("true", placed.Form["AsyncAmd"][0]);
        Assert.Equal(new Uri(fixture.PublicBase, $"api/v1/providers/twilio/calls/{plan.CallId}/machine").AbsoluteUri, placed.Form["AsyncAmdStatusCallback"][0]);
    }

    [Fact]
    public async Task A_machine_is_hung_up_on_when_the_playbook_says_hangup()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        Assert.Equal(204, await placed.MachineDetectedAsync("machine_start"));
        await Twilio.SettleAsync();

        Assert.Equal("completed", placed.Status);
        Assert.Equal((CallOutcome.Completed, "voicemail"), ((await progress.EndAsync()).Outcome, (await progress.EndAsync()).EndReason));
    }

    [Fact]
    public async Task After_the_beep_the_message_is_left_when_the_playbook_says_leave_message()
    {
        var plan = TestPlans.Plan();
        plan = plan with { Playbook = plan.Playbook with { Voicemail = "leave_message" } };
        var (progress, _, placed) = await fixture.StartCallAsync(plan);
        Assert.Equal("DetectMessageEnd", placed.Form["MachineDetection"][0]);
        await placed.MoveAsync("in-progress");

        Assert.Equal(204, await placed.MachineDetectedAsync("machine_end_beep"));
        var message = XDocument.Parse(Assert.Single(placed.UpdatedTwiml)).Root!;
        await placed.MoveAsync("completed");

        Assert.Equal(["Say", "Say", "Hangup"], message.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(plan.Playbook.MessageText, message.Elements("Say").Last().Value);
        Assert.Equal("voicemail_left", (await progress.EndAsync()).EndReason);
    }

    [Fact]
    public async Task A_person_answering_changes_nothing()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        Assert.Equal(204, await placed.MachineDetectedAsync("human"));
        await placed.MoveAsync("completed");

        Assert.Empty(placed.UpdatedTwiml);
        Assert.Equal("remote_hangup", (await progress.EndAsync()).EndReason);
    }

    [Fact]
    public async Task An_answered_call_follows_its_callbacks_to_the_end()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());

        Assert.Equal(204, await placed.MoveAsync("initiated"));
        Assert.Equal(204, await placed.MoveAsync("ringing"));
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        Assert.Equal(204, await placed.MoveAsync("completed"));
        var end = await progress.EndAsync();

        Assert.Equal((CallOutcome.Completed, "remote_hangup"), (end.Outcome, end.EndReason));
        Assert.Equal(["ringing", "answered", "ended Completed remote_hangup"], progress.Events);
        Assert.DoesNotContain($"GET Calls/{placed.Sid}", Twilio.Requests);
    }

    [Theory]
    [InlineData("busy", null, CallOutcome.Busy, "busy")]
    [InlineData("no-answer", null, CallOutcome.NoAnswer, "no_answer")]
    [InlineData("failed", "404", CallOutcome.Failed, "invalid_number")]
    [InlineData("failed", "503", CallOutcome.Failed, "trunk_error")]
    public async Task Unanswered_calls_end_as_their_callback_says(string status, string? sip, CallOutcome outcome, string reason)
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());

        await placed.MoveAsync("ringing");
        await placed.MoveAsync(status, sip);
        var end = await progress.EndAsync();

        Assert.Equal((outcome, reason), (end.Outcome, end.EndReason));
        Assert.Equal(1, progress.EndCount);
    }

    [Fact]
    public async Task A_canceled_call_ends_when_twilio_calls_back()
    {
        var (progress, call, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("ringing");

        await call.HangUpAsync(HangupReason.Canceled, CancellationToken.None);
        await Twilio.SettleAsync();

        Assert.Equal((CallOutcome.Canceled, "canceled"), ((await progress.EndAsync()).Outcome, (await progress.EndAsync()).EndReason));
        Assert.Equal(1, progress.EndCount);
    }

    [Fact]
    public async Task Pressing_9_opts_out_and_the_gather_answer_hangs_up()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        var (status, body) = await placed.GatherAsync("9");
        await placed.MoveAsync("completed");

        Assert.Equal(200, status);
        Assert.Equal(["Hangup"], XDocument.Parse(body).Root!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(["answered", "disclosure_played", "dtmf 9", "ended Completed opted_out"], progress.Events);
    }

    [Fact]
    public async Task Pressing_1_hands_the_callee_off_to_the_target()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        var (_, body) = await placed.GatherAsync("1");
        await placed.MoveAsync("completed");

        var dial = XDocument.Parse(body).Root!.Element("Dial")!;
        Assert.Equal(TestPlans.HandoffTarget, dial.Element("Number")!.Value);
        Assert.Equal("handoff", (await progress.EndAsync()).EndReason);
        Assert.Contains("dtmf 1", progress.Events);
    }

    [Fact]
    public async Task Silence_after_the_message_finishes_the_playbook()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        var (_, body) = await placed.GatherAsync(null);
        await placed.MoveAsync("completed");

        Assert.Equal(["Hangup"], XDocument.Parse(body).Root!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal("playbook_finished", (await progress.EndAsync()).EndReason);
    }

    [Fact]
    public async Task An_unmapped_key_replays_the_message_without_the_disclosure()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");

        var (_, body) = await placed.GatherAsync("5");

        var verbs = XDocument.Parse(body).Root!.Elements().Select(e => e.Name.LocalName);
        Assert.Equal(["Gather", "Hangup"], verbs);
        Assert.Contains("dtmf 5", progress.Events);
        await placed.MoveAsync("completed");
        await progress.EndAsync();
    }

    [Fact]
    public async Task A_tampered_or_unsigned_callback_is_refused_and_changes_nothing()
    {
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan());
        var parameters = placed.CommonParameters();
        parameters["CallStatus"] = "ringing";

        var tampered = await placed.PostSignedAsync(placed.StatusCallback!, parameters, name => name == "CallStatus" ? "completed" : null);
        var unsigned = await Twilio.PostCallbackAsync(placed.StatusCallback!, parameters, signature: null);
        var otherCall = placed.StatusCallback!.Replace(placed.StatusCallback[^43..^7], Guid.CreateVersion7().ToString());
        var replayed = await Twilio.PostCallbackAsync(otherCall, parameters, FakeTwilioCall.Sign(Twilio.AuthToken, placed.StatusCallback!, parameters));
        var forged = await Twilio.PostCallbackAsync(placed.StatusCallback!, parameters, FakeTwilioCall.Sign("not-the-token", placed.StatusCallback!, parameters));

        foreach (var (status, body) in new[] { tampered, unsigned, forged, replayed })
        {
            Assert.Equal(403, status);
            var error = System.Text.Json.Nodes.JsonNode.Parse(body)!["error"]!;
            Assert.Equal("forbidden", (string?)error["code"]);
            Assert.Equal("invalid_signature", (string?)error["details"]!["reason"]);
        }

        Assert.Empty(progress.Events);
        Assert.Equal(204, await placed.MoveAsync("busy"));
        Assert.Equal(CallOutcome.Busy, (await progress.EndAsync()).Outcome);
    }

    [Fact]
    public async Task The_uploaded_prompt_is_served_as_wav_while_the_call_lives()
    {
        using var audio = new TempDirectory("prompt");
        var path = Path.Combine(audio.Path, "prompt.ulaw");
        await File.WriteAllBytesAsync(path, Enumerable.Repeat((byte)0xFF, 8_000).ToArray());
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan(audioPath: path));
        var playUrl = placed.TwimlDocument.Root!.Element("Gather")!.Element("Play")!.Value;
        using var client = fixture.Appliance.Client();

        using var served = await client.GetAsync(playUrl);
        var wav = await served.Content.ReadAsByteArrayAsync();
        Assert.Equal(200, (int)served.StatusCode);
        Assert.Equal("audio/wav", served.Content.Headers.ContentType!.MediaType);
        Assert.Equal("RIFF", System.Text.Encoding.ASCII.GetString(wav, 0, 4));
        Assert.Equal(44 + 16_000, wav.Length);
        Assert.Matches(@"/api/v1/providers/twilio/audio/[0-9a-f-]{36}\.aud_test\.[A-Za-z0-9_-]{43}\.wav$", playUrl);

        using var guessed = await client.GetAsync(playUrl[..^10] + "AAAAAA.wav");
        await guessed.ExpectErrorAsync(404, "not_found");
        await placed.MoveAsync("no-answer");
        await progress.EndAsync();
        using var afterwards = await client.GetAsync(playUrl);
        await afterwards.ExpectErrorAsync(404, "not_found");
    }

    [Fact]
    public async Task A_playbook_too_long_for_inline_twiml_is_fetched_from_the_appliance()
    {
        var message = string.Join(' ', Enumerable.Range(0, 1_500).Select(i => $"word{i}"));
        var (progress, _, placed) = await fixture.StartCallAsync(TestPlans.Plan(message: message));

        Assert.False(placed.Form.ContainsKey("Twiml"));
        var url = placed.Form["Url"][0];
        Assert.Equal("POST", placed.Form["Method"][0]);
        var parameters = placed.CommonParameters();
        parameters["CallStatus"] = "in-progress";
        var (status, body) = await placed.PostSignedAsync(url, parameters);

        Assert.Equal(200, status);
        var said = XDocument.Parse(body).Root!.Element("Gather")!.Elements("Say").Select(s => s.Value);
        Assert.Equal(message, string.Join(' ', said));
        await placed.MoveAsync("completed");
        await progress.EndAsync();
    }

    [Fact]
    public async Task Readyz_reports_the_twilio_account()
    {
        using var client = fixture.Appliance.Client();

        var body = await (await client.GetAsync("/readyz")).ExpectAsync(200);

        Assert.True((bool)body["checks"]!["twilio"]!["ready"]!);
        Assert.Contains(FakeTwilio.Sid, (string?)body["checks"]!["twilio"]!["detail"]);
    }
}

public sealed class TwilioStartupTests
{
    [Fact]
    public async Task The_appliance_will_not_start_as_twilio_without_credentials_and_says_which_setting()
    {
        using var data = new TempDirectory("twilio-startup");
        var settings = new Dictionary<string, string?> { ["Dialer:Provider"] = "twilio", ["Dialer:Twilio:AccountSid"] = FakeTwilio.Sid };

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RunningAppliance.StartAsync(data.Path, settings));

        Assert.Contains("Dialer:Twilio:AuthToken is required", error.Message);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
