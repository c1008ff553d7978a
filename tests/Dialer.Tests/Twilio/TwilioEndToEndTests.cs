using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// Calls placed through the API with <c>Dialer:Provider=twilio</c>: the real appliance on a fake clock (scheduler,
/// live calls, settlement) dialing the Twilio stand-in, whose answers arrive as signed callbacks or by polling.
/// Each final status ends with its end reason, duration and billed credits (10 paise a second).
/// </summary>
public abstract class TwilioEndToEndTests : IAsyncLifetime
{
    private const string Callee = "+919812345601";
    private const string CallerId = "+918049123456";
    private readonly bool _callbacks;
    private FakeTwilio _twilio = null!;
    private DialerHarness _harness = null!;
    private string _agentId = "";

    protected TwilioEndToEndTests(bool callbacks) => _callbacks = callbacks;

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilio.StartAsync();
        var settings = TwilioTestHost.Settings(_twilio);
        settings["Dialer:Twilio:MachineDetection"] = "false";
        if (_callbacks)
        {
            var port = FreePorts.Tcp();
            settings["Api:Urls"] = $"http://127.0.0.1:{port}";
            settings["Api:PublicBaseUrl"] = $"http://127.0.0.1:{port}/";
            settings["Dialer:Twilio:CallbackSafetyPollInterval"] = "01:00:00";
        }

        _harness = await DialerHarness.StartAsync(settings: settings);
        _twilio.Clock = _harness.Time;
        _agentId = await _harness.CreatePlaybookAsync();
        await _harness.UpsertContactAsync(Callee);
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task An_answered_call_twilio_reports_no_duration_for_is_billed_by_our_clock()
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");
        await MoveAsync(callId, placed, "in-progress", "in_progress");

        _harness.Time.Advance(TimeSpan.FromSeconds(42));
        await placed.MoveAsync("completed");
        // Small steps: a poll still in flight when the harness moves the clock on is seen a step late.
        var call = await _harness.AdvanceUntilAsync(callId, c => c.IsFinal, step: TimeSpan.FromMilliseconds(100));

        Assert.Equal(("completed", "remote_hangup"), (call.Status, call.EndReason));
        Assert.InRange(call.DurationSec!.Value, 42, _callbacks ? 42 : 43);
        Assert.Equal(call.DurationSec * 10L, call.CreditsDebitedPaise);
        Assert.Equal(placed.Sid, call.ProviderCallId);
        var view = await _harness.GetCallAsync(callId);
        Assert.Equal("twilio", (string?)view["provider"]);
        await AssertNothingReservedAsync();
    }

    [Fact]
    public async Task Twilios_billed_duration_and_answer_time_decide_duration_and_credits()
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");
        await MoveAsync(callId, placed, "in-progress", "in_progress");

        // Our clock sees 2 s of talk; Twilio, which the carrier bills by, says 7.
        _harness.Time.Advance(TimeSpan.FromSeconds(2));
        placed.Duration = 7;
        await placed.MoveAsync("completed");
        var call = await _harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal(("completed", "remote_hangup"), (call.Status, call.EndReason));
        Assert.Equal(7, call.DurationSec);
        Assert.Equal(70, call.CreditsDebitedPaise);
        var twilioEnd = placed.EndedAt!.Value;
        Assert.Equal(twilioEnd.AddTicks(-(twilioEnd.Ticks % TimeSpan.TicksPerSecond)).AddSeconds(-7), call.AnsweredAt); // Twilio writes whole seconds
        var view = await _harness.GetCallAsync(callId);
        Assert.Equal(7, (int?)view["duration_sec"]);
        Assert.Equal(70, (long?)view["credits_debited_paise"]);
        await AssertNothingReservedAsync();
    }

    [Theory]
    [InlineData("busy", null, "busy", "busy")]
    [InlineData("no-answer", null, "no_answer", "no_answer")]
    [InlineData("failed", "404", "failed", "invalid_number")]
    public async Task An_unanswered_call_ends_with_its_status_and_costs_nothing(string twilioStatus, string? sip, string status, string reason)
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");

        await placed.MoveAsync(twilioStatus, sip);
        var call = await _harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal((status, _callbacks || sip is null ? reason : "unreachable_number"), (call.Status, call.EndReason));
        Assert.Equal(0, call.DurationSec ?? 0);
        Assert.Equal(0, call.CreditsDebitedPaise);
        await AssertNothingReservedAsync();
    }

    [Fact]
    public async Task A_number_twilio_refuses_fails_as_invalid_number()
    {
        _twilio.RefusedNumbers[Callee] = (400, 21211);

        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = Callee, from_e164 = CallerId });
        var call = await _harness.AdvanceUntilFinalAsync(callId);

        Assert.Equal(("failed", "invalid_number"), (call.Status, call.EndReason));
        Assert.Equal(0, call.CreditsDebitedPaise);
        await AssertNothingReservedAsync();
    }

    [Fact]
    public async Task Canceling_a_ringing_call_cancels_it_at_twilio()
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");

        var canceling = await (await _harness.Admin.PostAsync($"/api/v1/calls/{callId}/cancel", null)).ExpectAsync(202);
        Assert.Equal("ringing", (string?)canceling["data"]!["status"]);
        var call = await _harness.AdvanceUntilFinalAsync(callId);
        await _twilio.SettleAsync();

        Assert.Equal(("canceled", "canceled"), (call.Status, call.EndReason));
        Assert.Equal("canceled", placed.Status);
        Assert.Equal(0, call.CreditsDebitedPaise);
        await AssertNothingReservedAsync();
    }

    private async Task<(string CallId, FakeTwilioCall Placed)> PlaceAsync()
    {
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = Callee, from_e164 = CallerId });
        var next = _twilio.NextCallAsync();
        await _harness.AdvanceUntilAsync(callId, _ => next.IsCompleted);
        var placed = await next;
        Assert.Empty(_twilio.Violations);
        Assert.Equal(_callbacks, placed.StatusCallback is not null);
        return (callId, placed);
    }

    private async Task MoveAsync(string callId, FakeTwilioCall placed, string twilioStatus, string status)
    {
        await placed.MoveAsync(twilioStatus);
        await _harness.AdvanceUntilAsync(callId, c => c.Status == status, step: TimeSpan.FromMilliseconds(100));
    }

    private async Task AssertNothingReservedAsync()
    {
        var credits = (await (await _harness.Admin.GetAsync("/api/v1/credits")).ExpectAsync(200))["data"]!;
        Assert.Equal(0, (long)credits["reserved_paise"]!);
    }
}

public sealed class TwilioCallbackEndToEndTests() : TwilioEndToEndTests(callbacks: true);

public sealed class TwilioPollingEndToEndTests() : TwilioEndToEndTests(callbacks: false);
