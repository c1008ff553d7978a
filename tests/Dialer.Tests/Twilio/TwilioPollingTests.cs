using System.Xml.Linq;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>The provider without a public URL: it creates calls on the stand-in and learns their fate by polling.</summary>
public sealed class TwilioPollingTests : IAsyncLifetime
{
    private FakeTwilio _twilio = null!;
    private TwilioTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilio.StartAsync();
        _host = await TwilioTestHost.StartAsync(_twilio);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task Creates_the_call_as_twilio_documents_it()
    {
        var (_, call, placed) = await StartAsync(TestPlans.Plan(maxDuration: TimeSpan.FromSeconds(95.2)));

        Assert.Empty(_twilio.Violations);
        Assert.Equal(placed.Sid, call.ProviderCallId);
        Assert.Equal(TestPlans.Callee, placed.To);
        Assert.Equal(TestPlans.Caller, placed.From);
        Assert.Equal("30", placed.Form["Timeout"][0]);
        Assert.Equal("96", placed.Form["TimeLimit"][0]);
        Assert.False(placed.Form.ContainsKey("StatusCallback"));
        var verbs = placed.TwimlDocument.Root!.Elements().Select(v => v.Name.LocalName);
        Assert.Equal(["Say", "Say", "Hangup"], verbs);
    }

    [Fact]
    public async Task An_answered_call_is_polled_through_ringing_and_answer_to_its_end()
    {
        var (progress, _, placed) = await StartAsync(TestPlans.Plan());

        await placed.MoveAsync("ringing");
        await progress.WaitForAsync("ringing");
        await placed.MoveAsync("in-progress");
        await progress.WaitForAsync("answered");
        await placed.MoveAsync("completed");
        var end = await progress.EndAsync();

        Assert.Equal((CallOutcome.Completed, "remote_hangup"), (end.Outcome, end.EndReason));
        Assert.Equal(["ringing", "answered", "ended Completed remote_hangup"], progress.Events);
        Assert.Equal(0, _host.Get<TwilioCallRegistry>().Count);
    }

    [Theory]
    [InlineData("busy", CallOutcome.Busy, "busy")]
    [InlineData("no-answer", CallOutcome.NoAnswer, "no_answer")]
    [InlineData("failed", CallOutcome.Failed, "unreachable_number")]
    [InlineData("canceled", CallOutcome.Canceled, "canceled")]
    public async Task Unanswered_calls_end_with_their_twilio_status(string status, CallOutcome outcome, string reason)
    {
        var (progress, _, placed) = await StartAsync(TestPlans.Plan());
        await placed.MoveAsync("ringing");
        await progress.WaitForAsync("ringing");

        await placed.MoveAsync(status);
        var end = await progress.EndAsync();

        Assert.Equal((outcome, reason), (end.Outcome, end.EndReason));
        Assert.DoesNotContain("answered", progress.Events);
        Assert.Equal(1, progress.EndCount);
    }

    [Fact]
    public async Task Hanging_up_a_ringing_call_cancels_it()
    {
        var (progress, call, placed) = await StartAsync(TestPlans.Plan());
        await placed.MoveAsync("ringing");
        await progress.WaitForAsync("ringing");

        await call.HangUpAsync(HangupReason.Canceled, CancellationToken.None);
        var end = await progress.EndAsync();

        Assert.Equal((CallOutcome.Canceled, "canceled"), (end.Outcome, end.EndReason));
        Assert.Equal("canceled", placed.Status);
        Assert.Contains($"POST Calls/{placed.Sid}", _twilio.Requests);
    }

    [Fact]
    public async Task Hanging_up_an_answered_call_completes_it_with_the_dialers_reason()
    {
        var (progress, call, placed) = await StartAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");
        await progress.WaitForAsync("answered");

        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        await call.HangUpAsync(HangupReason.MaxDurationReached, CancellationToken.None);
        var end = await progress.EndAsync();

        Assert.Equal((CallOutcome.Completed, "max_duration_reached"), (end.Outcome, end.EndReason));
        Assert.Equal(1, progress.EndCount);
    }

    [Fact]
    public async Task A_transfer_replaces_the_twiml_with_a_dial_to_the_target()
    {
        var (progress, call, placed) = await StartAsync(TestPlans.Plan());
        await placed.MoveAsync("in-progress");
        await progress.WaitForAsync("answered");

        await call.TransferAsync(TestPlans.HandoffTarget, CancellationToken.None);
        await placed.MoveAsync("completed");

        var dial = XDocument.Parse(Assert.Single(placed.UpdatedTwiml)).Root!.Element("Dial")!;
        Assert.Equal(TestPlans.HandoffTarget, dial.Element("Number")!.Value);
        Assert.Equal((CallOutcome.Completed, "handoff"), ((await progress.EndAsync()).Outcome, (await progress.EndAsync()).EndReason));
    }

    [Fact]
    public async Task Status_polls_that_fail_are_retried_and_polling_goes_on()
    {
        var (progress, _, placed) = await StartAsync(TestPlans.Plan());
        _twilio.FetchFailures.Enqueue(500);
        _twilio.FetchFailures.Enqueue(503);
        _twilio.FetchFailures.Enqueue(502);
        _twilio.FetchFailures.Enqueue(504);
        _twilio.FetchFailures.Enqueue(500);

        await placed.MoveAsync("busy");

        Assert.Equal(CallOutcome.Busy, (await progress.EndAsync()).Outcome);
        Assert.True(_twilio.FetchFailures.IsEmpty);
    }

    [Fact]
    public async Task A_call_twilio_no_longer_knows_is_ended_rather_than_polled_forever()
    {
        var (progress, _, placed) = await StartAsync(TestPlans.Plan());
        await placed.MoveAsync("ringing");
        await progress.WaitForAsync("ringing");

        _twilio.Calls.TryRemove(placed.Sid, out _);
        var end = await progress.EndAsync();

        Assert.Equal((CallOutcome.Failed, "provider_error"), (end.Outcome, end.EndReason));
        Assert.Contains(placed.Sid, end.Detail);
        Assert.Equal(0, _host.Get<TwilioCallRegistry>().Count);
    }

    [Fact]
    public async Task Options_are_checked_and_each_problem_names_its_setting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => TwilioTestHost.StartAsync(_twilio, settings =>
        {
            settings["Dialer:Twilio:AccountSid"] = "12345";
            settings["Dialer:Twilio:AuthToken"] = null;
            settings["Dialer:Twilio:ApiBaseUrl"] = "api.twilio.com";
            settings["Dialer:Twilio:CallsPerSecond"] = "0";
        }));

        Assert.Contains(error.Failures, f => f.StartsWith("Dialer:Twilio:AccountSid must be AC", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Dialer:Twilio:AuthToken is required", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Dialer:Twilio:ApiBaseUrl must be", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Dialer:Twilio:CallsPerSecond must be", StringComparison.Ordinal));
    }

    private async Task<(DialerLikeProgress Progress, IProviderCall Call, FakeTwilioCall Placed)> StartAsync(CallPlan plan)
    {
        var progress = new DialerLikeProgress(plan);
        var call = await _host.Provider.StartAsync(plan, progress, CancellationToken.None);
        progress.Call = call;
        var placed = await _twilio.NextCallAsync();
        return (progress, call, placed);
    }
}

public sealed class TwilioLoggingTests
{
    [Fact]
    public async Task Neither_the_auth_token_nor_the_basic_credentials_reach_any_log_line()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var logs = new CapturedLogs();
        await using (var host = await TwilioTestHost.StartAsync(twilio, logs: logs))
        {
            var plan = TestPlans.Plan();
            var progress = new DialerLikeProgress(plan);
            var call = await host.Provider.StartAsync(plan, progress, CancellationToken.None);
            var placed = await twilio.NextCallAsync();
            await placed.MoveAsync("in-progress");
            await progress.WaitForAsync("answered");
            await call.HangUpAsync(HangupReason.Canceled, CancellationToken.None);
            await progress.EndAsync();
            twilio.RefusedNumbers[TestPlans.Callee] = (400, 21211);
            await host.Provider.StartAsync(TestPlans.Plan(), new DialerLikeProgress(plan), CancellationToken.None);
        }

        await using (var refused = await TwilioTestHost.StartAsync(twilio, s => s["Dialer:Twilio:AuthToken"] = "feedfacefeedfacefeedfacefeedface", logs: logs))
        {
            await refused.Provider.StartAsync(TestPlans.Plan(), new DialerLikeProgress(TestPlans.Plan()), CancellationToken.None);
        }

        var credentials = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{FakeTwilio.Sid}:{FakeTwilio.Token}"));
        Assert.Contains(logs.Lines, line => line.Contains("Calls.json", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(FakeTwilio.Token, StringComparison.Ordinal) || line.Contains("feedfacefeedface", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(credentials, StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, line => line.Contains(TestPlans.Callee, StringComparison.Ordinal));
    }
}
