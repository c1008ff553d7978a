using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Live;

/// <summary>
/// One dialed call as the dialer drives it, above whichever provider places it: it records the provider's
/// progress in the store, hangs up at the effective maximum (<c>max_duration_reached</c>, or
/// <c>credits_exhausted</c> when the balance was the limit), acts on DTMF (<c>opt_out</c>: the callee is opted
/// out of calls and the call ends; <c>handoff</c>: recorded, and transferred when the playbook has a target),
/// hangs up on cancel, gives up a call that rings too long, and ends a call itself when a provider stops
/// answering. Exactly one end is recorded, whatever reports arrive.
/// </summary>
internal sealed class LiveCall(DialTicket ticket, CallPlan plan, LiveCallContext context) : ICallProgress
{
    public static readonly TimeSpan RingGuardGrace = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan ProviderConfirmTimeout = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<ITimer> _timers = [];
    private volatile IProviderCall? _provider;
    private DateTimeOffset? _answeredAt;
    private volatile string? _requestedEnd;
    private string? _outcome;
    private bool _ended;

    public string CallId => ticket.Call.Id;

    public CallPlan Plan => plan;

    public bool IsAnswered => _answeredAt is not null;

    /// <summary>Completes once the call's end is recorded.</summary>
    public Task Completion => _completion.Task;

    public void Begin() => Schedule(plan.RingTimeout + RingGuardGrace, () => Guarded(async () =>
    {
        if (!IsAnswered)
        {
            await RequestEndAsync(CallEndReasons.NoAnswer, null);
        }
    }));

    /// <summary>The provider accepted the call; a hang-up asked for meanwhile is passed on now.</summary>
    public async Task AttachAsync(IProviderCall provider)
    {
        _provider = provider;
        await context.Lifecycle.SetProviderCallIdAsync(CallId, provider.ProviderCallId);
        if (_requestedEnd is { } reason && !_ended)
        {
            await provider.HangUpAsync(HangupReasons.ForProvider(reason), CancellationToken.None);
        }
    }

    public async ValueTask RingingAsync(CancellationToken cancellationToken = default)
    {
        var at = context.Time.GetUtcNow();
        await WithGateAsync(() => context.Lifecycle.RingingAsync(CallId, at));
    }

    public async ValueTask AnsweredAsync(CancellationToken cancellationToken = default)
    {
        var at = context.Time.GetUtcNow();
        await WithGateAsync(async () =>
        {
            if (await context.Lifecycle.AnsweredAsync(CallId, at) is null)
            {
                return;
            }

            _answeredAt = at;
            var limit = ticket.Duration.LimitedBy == DurationLimit.Credits ? CallEndReasons.CreditsExhausted : CallEndReasons.MaxDurationReached;
            var reachedAt = at.AddSeconds(ticket.Duration.Seconds);
            var due = reachedAt - context.Time.GetUtcNow();
            Schedule(due < TimeSpan.Zero ? TimeSpan.Zero : due, () => Guarded(() => RequestEndAsync(limit, limit, reachedAt)));
        });
    }

    public async ValueTask TimelineAsync(string type, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default)
    {
        var at = context.Time.GetUtcNow();
        await WithGateAsync(() => context.Lifecycle.AppendTimelineAsync(CallId, type, at, data));
    }

    public async ValueTask DtmfAsync(char digit, CancellationToken cancellationToken = default)
    {
        var at = context.Time.GetUtcNow();
        var action = ticket.Playbook.DtmfMap.GetValueOrDefault(digit.ToString());
        await WithGateAsync(async () =>
        {
            await context.Lifecycle.AppendTimelineAsync(CallId, CallTimelineType.DtmfReceived, at, new { digit = digit.ToString(), action });
            if (action == PlaybookRules.ActionOptOut)
            {
                await context.Lifecycle.OptOutAsync(CallId, at, "dtmf");
                _outcome = CallOutcomes.OptedOut;
            }
            else if (action == PlaybookRules.ActionHandoff)
            {
                await context.Lifecycle.AppendTimelineAsync(CallId, CallTimelineType.HandoffRequested, at,
                    new { target = plan.Playbook.HandoffTarget, transferred = plan.Playbook.HandoffTarget is not null });
                _outcome = CallOutcomes.Handoff;
            }
        });
        if (action == PlaybookRules.ActionOptOut)
        {
            await RequestEndAsync(CallEndReasons.OptedOut, null);
        }
        else if (action == PlaybookRules.ActionHandoff && plan.Playbook.HandoffTarget is { } target && _provider is { } provider && !_ended)
        {
            await provider.TransferAsync(target, cancellationToken);
        }
    }

    /// <summary>A transfer asked for through the API (already in the timeline): passed on to the provider, if the call is answered.</summary>
    public async Task TransferAsync(string target)
    {
        if (_provider is { } provider && IsAnswered && !_ended)
        {
            _outcome = CallOutcomes.Handoff;
            await provider.TransferAsync(target, CancellationToken.None);
        }
    }

    public async ValueTask EndedAsync(CallEnd end, CancellationToken cancellationToken = default)
    {
        var at = context.Time.GetUtcNow();
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (_ended)
            {
                return;
            }

            _ended = true;
            ITimer[] timers;
            lock (_timers)
            {
                timers = [.. _timers];
            }

            foreach (var timer in timers)
            {
                await timer.DisposeAsync();
            }

            var (status, endReason) = HangupReasons.Resolve(end, IsAnswered, _requestedEnd);
            // The carrier's billed duration when it reports one; our own clock from the answer otherwise.
            var talk = end.TalkSeconds ?? (_answeredAt is { } answeredAt ? (at - answeredAt).TotalSeconds : 0);
            var outcome = _outcome ?? (end.EndReason.StartsWith(CallEndReasons.Voicemail, StringComparison.Ordinal) ? CallOutcomes.Voicemail : null);
            var ended = await context.Lifecycle.EndAsync(CallId,
                new CallFinish(status, endReason, at, talk, end.Detail, outcome, end.Retryable, IsAnswered ? end.AnsweredAt : null, end.Media));
            if (ended is not null)
            {
                context.Logger.LogInformation("Call {CallId} to {To} ended {Status} ({EndReason}) after {Duration} s, debited {Debit} paise",
                    CallId, Redact.PhoneNumber(plan.ToE164), ended.Status, ended.EndReason, ended.DurationSec ?? 0, ended.CreditsDebitedPaise);
            }
        }
        finally
        {
            _gate.Release();
            _completion.TrySetResult();
        }
    }

    /// <summary>Asks the provider to end the call for <paramref name="endReason"/>; the first reason asked wins.</summary>
    public async Task RequestEndAsync(string endReason, string? timelineType, DateTimeOffset? at = null)
    {
        var proceed = false;
        await WithGateAsync(async () =>
        {
            if (_requestedEnd is not null)
            {
                return;
            }

            _requestedEnd = endReason;
            proceed = true;
            if (timelineType is not null)
            {
                await context.Lifecycle.AppendTimelineAsync(CallId, timelineType, at ?? context.Time.GetUtcNow(),
                    new { max_duration_sec = ticket.Duration.Seconds, limited_by = ticket.Duration.LimitedBy });
            }
        });
        if (!proceed)
        {
            return;
        }

        Schedule(ProviderConfirmTimeout, () => Guarded(async () => await ForceEndAsync(CallEndReasons.ProviderUnresponsive, $"{context.ProviderName} did not confirm the hang-up ({endReason})")));
        if (_provider is { } provider)
        {
            await provider.HangUpAsync(HangupReasons.ForProvider(endReason), CancellationToken.None);
        }
    }

    /// <summary>Records the end without the provider (it failed to start, stopped answering, or the appliance is stopping).</summary>
    public ValueTask ForceEndAsync(string reason, string detail) =>
        EndedAsync(new CallEnd(IsAnswered ? CallOutcome.Completed : CallOutcome.Failed, reason, Detail: detail));

    private async Task WithGateAsync(Func<Task> action)
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            if (!_ended)
            {
                await action();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Schedule(TimeSpan due, Action callback)
    {
        var timer = context.Time.CreateTimer(_ => callback(), null, due, Timeout.InfiniteTimeSpan);
        lock (_timers)
        {
            _timers.Add(timer);
        }
    }

    private void Guarded(Func<Task> work) => context.Run(CallId, work);
}
