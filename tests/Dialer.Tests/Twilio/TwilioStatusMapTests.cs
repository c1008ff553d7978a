using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

public sealed class TwilioStatusMapTests
{
    [Theory]
    [InlineData(400, 21211, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(400, 21217, CallOutcome.Failed, "invalid_number", false)]
    [InlineData(400, 21214, CallOutcome.Failed, "unreachable_number", false)]
    [InlineData(400, 21215, CallOutcome.Failed, "destination_not_permitted", false)]
    [InlineData(400, 21216, CallOutcome.Failed, "destination_blocked", false)]
    [InlineData(400, 21210, CallOutcome.Failed, "invalid_caller_id", false)]
    [InlineData(429, 20429, CallOutcome.Failed, "rate_limited", true)]
    [InlineData(401, 20003, CallOutcome.Failed, "provider_auth_failed", false)]
    [InlineData(503, null, CallOutcome.Failed, "trunk_error", true)]
    [InlineData(500, 20500, CallOutcome.Failed, "trunk_error", true)]
    [InlineData(400, 21601, CallOutcome.Failed, "provider_rejected", false)]
    public void Maps_refusals_to_clear_end_reasons(int status, int? code, CallOutcome outcome, string reason, bool retryable)
    {
        var end = TwilioStatusMap.EndOf(new TwilioApiException(status, code, "refused"));

        Assert.Equal((outcome, reason, retryable), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Contains(code?.ToString() ?? status.ToString(), end.Detail);
    }

    [Theory]
    [InlineData("busy", null, CallOutcome.Busy, "busy")]
    [InlineData("no-answer", null, CallOutcome.NoAnswer, "no_answer")]
    [InlineData("canceled", null, CallOutcome.Canceled, "canceled")]
    [InlineData("completed", "200", CallOutcome.Completed, "remote_hangup")]
    [InlineData("failed", "404", CallOutcome.Failed, "invalid_number")]
    [InlineData("failed", "603", CallOutcome.Failed, "rejected")]
    [InlineData("failed", "503", CallOutcome.Failed, "trunk_error")]
    [InlineData("failed", null, CallOutcome.Failed, "unreachable_number")]
    public void Maps_final_statuses(string status, string? sip, CallOutcome outcome, string reason)
    {
        var end = TwilioStatusMap.EndOf(status, sip, null, "remote_hangup");

        Assert.Equal((outcome, reason), (end.Outcome, end.EndReason));
    }

    [Fact]
    public void A_hang_up_the_appliance_asked_for_names_its_reason()
    {
        Assert.Equal("max_duration_reached", TwilioStatusMap.EndOf("completed", "200", "max_duration_reached", "remote_hangup").EndReason);
        Assert.Equal("opted_out", TwilioStatusMap.EndOf("canceled", null, "opted_out", "remote_hangup").EndReason);
    }

    [Theory]
    [InlineData("queued", TwilioProgress.Placed)]
    [InlineData("initiated", TwilioProgress.Placed)]
    [InlineData("ringing", TwilioProgress.Ringing)]
    [InlineData("in-progress", TwilioProgress.Answered)]
    [InlineData("completed", TwilioProgress.Ended)]
    [InlineData("busy", TwilioProgress.Ended)]
    [InlineData("no-answer", TwilioProgress.Ended)]
    [InlineData("failed", TwilioProgress.Ended)]
    [InlineData("canceled", TwilioProgress.Ended)]
    public void Knows_every_twilio_call_status(string status, TwilioProgress progress) =>
        Assert.Equal(progress, TwilioStatusMap.ProgressOf(status));
}
