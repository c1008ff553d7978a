using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>Calls Twilio will not place, credentials it refuses, and the limits the provider keeps to.</summary>
public sealed class TwilioRefusalTests : IAsyncLifetime
{
    private FakeTwilio _twilio = null!;

    public async Task InitializeAsync() => _twilio = await FakeTwilio.StartAsync();

    public async Task DisposeAsync() => await _twilio.DisposeAsync();

    [Theory]
    [InlineData(21211, "invalid_number")]
    [InlineData(21214, "unreachable_number")]
    [InlineData(21215, "destination_not_permitted")]
    [InlineData(21216, "destination_blocked")]
    [InlineData(21217, "invalid_number")]
    public async Task A_number_twilio_refuses_fails_the_call_with_a_clear_reason(int code, string reason)
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio);
        _twilio.RefusedNumbers[TestPlans.Callee] = (400, code);

        var end = await StartAndEndAsync(host, TestPlans.Plan());

        Assert.Equal((CallOutcome.Failed, reason, false), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Contains(code.ToString(), end.Detail);
        Assert.Single(_twilio.Requests, r => r == "POST Calls");
    }

    [Fact]
    public async Task Refused_credentials_fail_the_call_as_provider_auth_failed()
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio, s => s["Dialer:Twilio:AuthToken"] = "00000000000000000000000000000000");

        var end = await StartAndEndAsync(host, TestPlans.Plan());

        Assert.Equal((CallOutcome.Failed, "provider_auth_failed", false), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Contains("Dialer:Twilio:AuthToken", end.Detail);
    }

    [Fact]
    public async Task A_429_is_retried_because_twilio_did_not_process_it()
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio);
        _twilio.CreateFailures.Enqueue((429, 20429));

        var plan = TestPlans.Plan();
        var call = await host.Provider.StartAsync(plan, new DialerLikeProgress(plan), CancellationToken.None);

        Assert.StartsWith("CA", call.ProviderCallId);
        Assert.Equal(2, _twilio.Requests.Count(r => r == "POST Calls"));
        Assert.Single(_twilio.Calls);
    }

    [Fact]
    public async Task Rate_limited_to_the_end_fails_the_call_as_retryable()
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio);
        for (var i = 0; i < 4; i++)
        {
            _twilio.CreateFailures.Enqueue((429, 20429));
        }

        var end = await StartAndEndAsync(host, TestPlans.Plan());

        Assert.Equal((CallOutcome.Failed, "rate_limited", true), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Equal(4, _twilio.Requests.Count(r => r == "POST Calls"));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    public async Task A_server_error_on_create_is_never_retried_as_the_call_may_exist(int status)
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio);
        _twilio.CreateFailures.Enqueue((status, null));

        var end = await StartAndEndAsync(host, TestPlans.Plan());

        Assert.Equal((CallOutcome.Failed, "trunk_error", true), (end.Outcome, end.EndReason, end.Retryable));
        Assert.Single(_twilio.Requests, r => r == "POST Calls");
    }

    [Fact]
    public async Task An_unreachable_twilio_fails_the_call_as_retryable_after_safe_retries()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePorts.Tcp()}/");
        await using var host = await TwilioTestHost.StartAsync(_twilio, s => s["Dialer:Twilio:ApiBaseUrl"] = closed.ToString());

        var end = await StartAndEndAsync(host, TestPlans.Plan());

        Assert.Equal((CallOutcome.Failed, "provider_unreachable", true), (end.Outcome, end.EndReason, end.Retryable));
    }

    [Fact]
    public async Task A_call_without_caller_id_fails_before_asking_twilio()
    {
        await using var host = await TwilioTestHost.StartAsync(_twilio);

        var end = await StartAndEndAsync(host, TestPlans.Plan(from: ""));

        Assert.Equal((CallOutcome.Failed, "invalid_caller_id"), (end.Outcome, end.EndReason));
        Assert.Empty(_twilio.Requests);
    }

    [Fact]
    public async Task Keeps_to_the_configured_calls_per_second()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await TwilioTestHost.StartAsync(_twilio, s => s["Dialer:Twilio:CallsPerSecond"] = "1", time);
        var plans = Enumerable.Range(0, 3).Select(_ => TestPlans.Plan()).ToList();

        var starts = plans.Select(p => host.Provider.StartAsync(p, new DialerLikeProgress(p), CancellationToken.None)).ToList();
        await _twilio.NextCallAsync();
        await Task.Delay(300);
        Assert.Single(_twilio.Calls);

        time.Advance(TimeSpan.FromSeconds(1));
        await _twilio.NextCallAsync();
        await Task.Delay(300);
        Assert.Equal(2, _twilio.Calls.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(starts).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, _twilio.Calls.Count);
    }

    [Fact]
    public async Task The_readiness_check_says_whether_the_credentials_work()
    {
        await using var good = await TwilioTestHost.StartAsync(_twilio);
        await using var bad = await TwilioTestHost.StartAsync(_twilio, s => s["Dialer:Twilio:AuthToken"] = "00000000000000000000000000000000");

        var ok = await new TwilioReadiness(good.Get<TwilioClient>()).CheckAsync(CancellationToken.None);
        var refused = await new TwilioReadiness(bad.Get<TwilioClient>()).CheckAsync(CancellationToken.None);
        _twilio.AccountStatus = "suspended";
        var suspended = await new TwilioReadiness(good.Get<TwilioClient>()).CheckAsync(CancellationToken.None);

        Assert.Equal(ReadinessResult.Ok($"Twilio account {FakeTwilio.Sid} (Stand-in account) is active"), ok);
        Assert.False(refused.Ready);
        Assert.Contains("Dialer:Twilio:AuthToken", refused.Detail);
        Assert.DoesNotContain(FakeTwilio.Token, refused.Detail);
        Assert.False(suspended.Ready);
        Assert.Contains("suspended", suspended.Detail);
    }

    private static async Task<CallEnd> StartAndEndAsync(TwilioTestHost host, CallPlan plan)
    {
        var progress = new DialerLikeProgress(plan);
        await host.Provider.StartAsync(plan, progress, CancellationToken.None);
        Assert.True(progress.Ended.IsCompleted, "a refused call has ended when StartAsync returns");
        Assert.Equal(1, progress.EndCount);
        return await progress.EndAsync();
    }
}
