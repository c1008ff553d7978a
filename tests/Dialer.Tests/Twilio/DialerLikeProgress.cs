using System.Collections.Concurrent;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// An <see cref="ICallProgress"/> that records what a provider reports, and acts on DTMF the way the dialer does:
/// <c>opt_out</c> hangs up, <c>handoff</c> transfers to the playbook's target.
/// </summary>
public sealed class DialerLikeProgress(CallPlan plan) : ICallProgress
{
    private readonly TaskCompletionSource<CallEnd> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ends;

    public ConcurrentQueue<string> Events { get; } = new();

    public IProviderCall? Call { get; set; }

    public int EndCount => _ends;

    public Task<CallEnd> Ended => _end.Task;

    public async Task<CallEnd> EndAsync() => await _end.Task.WaitAsync(TimeSpan.FromSeconds(20));

    public ValueTask RingingAsync(CancellationToken cancellationToken = default) => Record("ringing");

    public ValueTask AnsweredAsync(CancellationToken cancellationToken = default) => Record("answered");

    public ValueTask TimelineAsync(string type, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default) => Record(type);

    public async ValueTask DtmfAsync(char digit, CancellationToken cancellationToken = default)
    {
        await Record($"dtmf {digit}");
        var action = plan.Playbook.Dtmf.GetValueOrDefault(digit.ToString());
        if (action == "opt_out" && Call is not null)
        {
            await Call.HangUpAsync(HangupReason.OptedOut, cancellationToken);
        }
        else if (action == "handoff" && plan.Playbook.HandoffTarget is { } target && Call is not null)
        {
            await Call.TransferAsync(target, cancellationToken);
        }
    }

    public ValueTask EndedAsync(CallEnd end, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _ends);
        Events.Enqueue($"ended {end.Outcome} {end.EndReason}");
        _end.TrySetResult(end);
        return ValueTask.CompletedTask;
    }

    /// <summary>Waits until <paramref name="name"/> has been reported.</summary>
    public async Task WaitForAsync(string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!Events.Contains(name))
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    private ValueTask Record(string name)
    {
        Events.Enqueue(name);
        return ValueTask.CompletedTask;
    }
}
