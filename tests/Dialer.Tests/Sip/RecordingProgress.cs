using System.Diagnostics;
using Cualify.Appliance.Dialer.Telephony;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// An <see cref="ICallProgress"/> that records what the provider reports, in order, with the moment it came, and
/// lets a test play the dialer's part (for example hang up when a key arrives).
/// </summary>
public sealed class RecordingProgress : ICallProgress
{
    private readonly List<Entry> _entries = [];
    private readonly TaskCompletionSource _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ringing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<CallEnd> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _endCount;

    public sealed record Entry(string Kind, string? Detail, long Timestamp);

    /// <summary>Runs for each key, like the dialer deciding what a key means.</summary>
    public Func<char, Task>? OnDigit { get; set; }

    public Task Answered => _answered.Task;

    public Task Ringing => _ringing.Task;

    public Task<CallEnd> Ended => _ended.Task;

    public int EndCount => Volatile.Read(ref _endCount);

    public IReadOnlyList<Entry> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<string> Kinds => Entries.Select(e => e.Kind).ToList();

    public long? TimestampOf(string kind) => Entries.FirstOrDefault(e => e.Kind == kind)?.Timestamp;

    public ValueTask RingingAsync(CancellationToken cancellationToken = default)
    {
        Record("ringing");
        _ringing.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask AnsweredAsync(CancellationToken cancellationToken = default)
    {
        Record("answered");
        _answered.TrySetResult();
        return ValueTask.CompletedTask;
    }

    public ValueTask TimelineAsync(string type, IReadOnlyDictionary<string, object?>? data = null, CancellationToken cancellationToken = default)
    {
        Record(type, data is null ? null : string.Join(",", data.Select(kv => $"{kv.Key}={kv.Value}")));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DtmfAsync(char digit, CancellationToken cancellationToken = default)
    {
        Record("dtmf", digit.ToString());
        if (OnDigit is { } onDigit)
        {
            await onDigit(digit);
        }
    }

    public ValueTask EndedAsync(CallEnd end, CancellationToken cancellationToken = default)
    {
        Record("ended", $"{end.Outcome}/{end.EndReason}");
        Interlocked.Increment(ref _endCount);
        _ended.TrySetResult(end);
        return ValueTask.CompletedTask;
    }

    /// <summary>The end, or a failure naming what was recorded when it does not come in time.</summary>
    public async Task<CallEnd> EndAsync(TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(45);
        var finished = await Task.WhenAny(_ended.Task, Task.Delay(limit));
        return finished == _ended.Task
            ? await _ended.Task
            : throw new TimeoutException($"The call did not end within {limit}; recorded: {string.Join(", ", Kinds)}");
    }

    private void Record(string kind, string? detail = null)
    {
        lock (_entries)
        {
            _entries.Add(new Entry(kind, detail, Stopwatch.GetTimestamp()));
        }
    }
}
