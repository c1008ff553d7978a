using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Dialer.Live;
using Cualify.Appliance.Dialer.Telephony;
using P = Cualify.Appliance.Dialer.Simulator.SimulatorNumberPlan;

namespace Cualify.Appliance.Dialer.Simulator;

/// <summary>One simulated call: a script of the callee's behaviour, driven by the injected clock.</summary>
internal sealed class SimulatedCall(CallPlan plan, ICallProgress progress, SimulatorScenario scenario, TimeProvider time, CancellationToken stopping) : IProviderCall
{
    private readonly TaskCompletionSource<HangupReason> _hangup = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _transfer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ended;
    private volatile bool _answered;

    public string ProviderCallId { get; } = "sim_" + Guid.NewGuid().ToString("N");

    public Task HangUpAsync(HangupReason reason, CancellationToken cancellationToken)
    {
        _hangup.TrySetResult(reason);
        return Task.CompletedTask;
    }

    public Task TransferAsync(string target, CancellationToken cancellationToken)
    {
        if (!_answered)
        {
            throw new InvalidOperationException("Only an answered call can be transferred");
        }

        _transfer.TrySetResult(target);
        return Task.CompletedTask;
    }

    /// <summary>Plays the script to its end; a fault in it still ends the call, as <c>provider_error</c>.</summary>
    public async Task RunAsync()
    {
        try
        {
            await ScriptAsync();
        }
        catch (Exception ex)
        {
            await EndAsync(CallOutcome.Failed, CallEndReasons.ProviderError, $"simulator fault: {ex.GetType().Name}");
            throw;
        }
    }

    private async Task ScriptAsync()
    {
        if (await HungUpWithinAsync(P.SetupTime) is { } early)
        {
            await EndAsync(CallOutcome.Canceled, HangupReasons.EndReasonOf(early), "hung up before the callee's phone rang");
            return;
        }

        switch (scenario)
        {
            case SimulatorScenario.InvalidNumber:
                await EndAsync(CallOutcome.Failed, "invalid_number", "404 Not Found (simulated)");
                return;
            case SimulatorScenario.Rejected:
                await EndAsync(CallOutcome.Failed, "rejected", "603 Decline (simulated)");
                return;
            case SimulatorScenario.TrunkError:
                await EndAsync(CallOutcome.Failed, "trunk_error", "503 Service Unavailable (simulated)", retryable: true);
                return;
        }

        await progress.RingingAsync(stopping);
        var ringFor = scenario switch
        {
            SimulatorScenario.Busy => P.BusyAfter,
            SimulatorScenario.NoAnswer => plan.RingTimeout,
            _ => P.RingTime,
        };
        if (await HungUpWithinAsync(ringFor) is { } whileRinging)
        {
            await EndAsync(CallOutcome.Canceled, HangupReasons.EndReasonOf(whileRinging), "canceled while ringing");
            return;
        }

        if (scenario is SimulatorScenario.Busy or SimulatorScenario.NoAnswer)
        {
            await EndAsync(scenario == SimulatorScenario.Busy ? CallOutcome.Busy : CallOutcome.NoAnswer,
                scenario == SimulatorScenario.Busy ? "busy" : "no_answer",
                scenario == SimulatorScenario.Busy ? "486 Busy Here (simulated)" : "ring timeout (simulated)");
            return;
        }

        await progress.AnsweredAsync(stopping);
        _answered = true;
        await TalkAsync();
    }

    private async Task TalkAsync()
    {
        if (scenario == SimulatorScenario.Voicemail)
        {
            if (plan.Playbook.Voicemail == PlaybookRules.VoicemailLeaveMessage)
            {
                var message = P.SpeechTime(plan.Playbook.DisclosureText) + P.SpeechTime(plan.Playbook.MessageText);
                if (await HungUpWithinAsync(message) is { } during)
                {
                    await EndHungUpAsync(during);
                    return;
                }

                await EndAsync(CallOutcome.Completed, "voicemail_left", "message left on voicemail (simulated)");
                return;
            }

            await EndAsync(CallOutcome.Completed, "voicemail", "voicemail answered; playbook says hang up (simulated)");
            return;
        }

        if (plan.Playbook.DisclosureText is { } disclosure)
        {
            if (await HungUpWithinAsync(P.SpeechTime(disclosure)) is { } duringDisclosure)
            {
                await EndHungUpAsync(duringDisclosure);
                return;
            }

            await progress.TimelineAsync(CallTimelineType.DisclosurePlayed, new Dictionary<string, object?> { ["characters"] = disclosure.Length }, stopping);
        }

        var (digit, stayOn) = scenario switch
        {
            SimulatorScenario.PressesOne => ('1', P.WaitForTransfer),
            SimulatorScenario.PressesNine => ('9', P.WaitForTransfer),
            SimulatorScenario.LongCall => ('\0', Timeout.InfiniteTimeSpan),
            _ => ('\0', P.ListenTime - P.SpeechTime(plan.Playbook.DisclosureText)),
        };
        if (digit != '\0')
        {
            if (await HungUpWithinAsync(P.KeypressAfter) is { } beforeKey)
            {
                await EndHungUpAsync(beforeKey);
                return;
            }

            await progress.DtmfAsync(digit, stopping);
        }

        var hangup = _hangup.Task;
        var waited = await Task.WhenAny(hangup, _transfer.Task, Delay(stayOn < TimeSpan.Zero && stayOn != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : stayOn));
        if (waited == hangup)
        {
            await EndHungUpAsync(hangup.Result);
        }
        else if (waited == _transfer.Task)
        {
            await Delay(P.TransferTime);
            await EndAsync(CallOutcome.Completed, CallEndReasons.Handoff, "transferred to the handoff target (simulated)");
        }
        else
        {
            await EndAsync(CallOutcome.Completed, CallEndReasons.RemoteHangup, "the callee hung up (simulated)");
        }
    }

    private Task EndHungUpAsync(HangupReason reason) =>
        EndAsync(CallOutcome.Completed, HangupReasons.EndReasonOf(reason), "hung up by the dialer");

    /// <summary>Waits <paramref name="duration"/> or until the dialer hangs up, whichever comes first.</summary>
    private async Task<HangupReason?> HungUpWithinAsync(TimeSpan duration)
    {
        var hangup = _hangup.Task;
        return await Task.WhenAny(hangup, Delay(duration)) == hangup ? hangup.Result : null;
    }

    private Task Delay(TimeSpan duration) =>
        duration == Timeout.InfiniteTimeSpan ? Task.Delay(Timeout.Infinite, stopping) : Task.Delay(duration, time, stopping);

    private async Task EndAsync(CallOutcome outcome, string endReason, string detail, bool retryable = false)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            await progress.EndedAsync(new CallEnd(outcome, endReason, retryable, detail), CancellationToken.None);
        }
    }
}
