using System.Collections.Concurrent;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Playbooks;
using Cualify.Appliance.Core.Privacy;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Dialer.Speech;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Live;

/// <summary>
/// The calls this process is dialing: starts each admitted call on the selected provider, passes on hang-up
/// requests from Core (cancel, erasure), and on shutdown hangs every call up and records its end.
/// </summary>
public sealed class LiveCalls : IDisposable
{
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, LiveCall> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Reason, DateTimeOffset At)> _pendingHangups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _work = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SelectedTelephonyProvider _provider;
    private readonly CallHangups _hangups;
    private readonly PlaybookAudioStore _audio;
    private readonly HeardPrompts _heard;
    private readonly CallRecordings _recordings;
    private readonly DataDirectory _dataDirectory;
    private readonly DialerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LiveCalls> _logger;
    private readonly LiveCallContext _context;
    private readonly PlaybookStore _playbooks;
    private readonly CallTransfers _transfers;

    public LiveCalls(SelectedTelephonyProvider provider, CallLifecycle lifecycle, CallHangups hangups, PlaybookAudioStore audio,
        HeardPrompts heard, CallRecordings recordings, DataDirectory dataDirectory, IOptions<DialerOptions> options, TimeProvider time,
        ILogger<LiveCalls> logger, PlaybookStore playbooks, CallTransfers transfers)
    {
        _playbooks = playbooks;
        _transfers = transfers;
        transfers.Requested += OnTransferRequested;
        _recordings = recordings;
        _dataDirectory = dataDirectory;
        _provider = provider;
        _hangups = hangups;
        _audio = audio;
        _heard = heard;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _context = new LiveCallContext(lifecycle, time, logger, options.Value.Provider, (callId, work) => Track(callId, work));
        hangups.Requested += OnHangupRequested;
    }

    public int Count => _calls.Count;

    public IReadOnlyCollection<string> CallIds => [.. _calls.Keys];

    /// <summary>Starts dialing an admitted call; returns at once, the call runs on.</summary>
    public void Start(DialTicket ticket) => Track(ticket.Call.Id, () => StartAsync(ticket));

    /// <summary>Completes when the call's end is recorded, or at once when it is not live here.</summary>
    public Task WhenEndedAsync(string callId) => _calls.TryGetValue(callId, out var live) ? live.Completion : Task.CompletedTask;

    private async Task StartAsync(DialTicket ticket)
    {
        var (plan, unspeakable) = await PlanForAsync(ticket);
        var live = new LiveCall(ticket, plan, _context);
        _calls[live.CallId] = live;
        Track(live.CallId, async () =>
        {
            await live.Completion;
            _calls.TryRemove(live.CallId, out _);
            await RegisterRecordingAsync(plan);
        });
        live.Begin();
        if (unspeakable is not null)
        {
            _logger.LogError("Call {CallId}: its playbook's texts cannot be spoken ({Detail}); not dialing rather than playing silence", live.CallId, unspeakable);
            await live.ForceEndAsync(CallEndReasons.ProviderError, $"the playbook's texts cannot be spoken: {unspeakable}");
            return;
        }

        if (_pendingHangups.TryRemove(live.CallId, out var pending))
        {
            await live.RequestEndAsync(pending.Reason, null);
        }

        IProviderCall providerCall;
        try
        {
            providerCall = await _provider.Provider.StartAsync(plan, live, _stopping.Token);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "Call {CallId} to {To}: {Provider} could not start it", live.CallId, Redact.PhoneNumber(plan.ToE164), _options.Provider);
            await live.ForceEndAsync(CallEndReasons.ProviderError, $"{_options.Provider} could not start the call ({ex.GetType().Name})");
            return;
        }

        await live.AttachAsync(providerCall);
    }

    /// <summary>
    /// The plan, with what a SIP callee hears already synthesised (normally cached when the playbook was saved, so this is a
    /// lookup; a cache miss synthesises here, before the call is placed, never while it is live). The second value says
    /// why the texts cannot be spoken, when they cannot. An uploaded prompt another node converted is written into this
    /// node's data folder first.
    /// </summary>
    private async Task<(CallPlan Plan, string? Unspeakable)> PlanForAsync(DialTicket ticket)
    {
        var call = ticket.Call;
        var playbook = ticket.Playbook;
        if (ticket.Audio is not null && !await _audio.EnsureHereAsync(ticket.Audio, _stopping.Token))
        {
            _logger.LogWarning("Call {CallId}: the prompt {AudioId} of playbook {PlaybookId} has no file on this node and no copy in the store", call.Id, ticket.Audio.Id, playbook.Id);
        }

        IReadOnlyList<PromptAudio> heard = ticket.Audio is null ? [] : [new PromptAudio(_audio.UlawPath(ticket.Audio), _audio.AlawPath(ticket.Audio))];
        IReadOnlyList<PromptAudio> fallback = heard;
        string? unspeakable = null;
        if (string.Equals(_options.Provider, SipTelephonyProvider.ProviderName, StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                heard = await _heard.ForAsync(playbook, ticket.Audio, _stopping.Token);
                fallback = playbook.HasAgent ? await _heard.FallbackForAsync(playbook, ticket.Audio, _stopping.Token) : [];
            }
            catch (SpeechException ex)
            {
                unspeakable = ex.Message;
            }
        }

        var recordingFile = playbook.Record ? _dataDirectory.Combine(RecordingFiles.RelativePath(call.OrgId, call.Id)) : null;
        var playbookPlan = new PlaybookPlan(playbook.Id, playbook.Name, playbook.Language, playbook.DisclosureText, playbook.MessageText,
            ticket.Audio is null ? null : _audio.UlawPath(ticket.Audio), playbook.DtmfMap, playbook.HandoffTarget, playbook.Voicemail, heard,
            recordingFile, await _heard.RecordingNoticeAsync(playbook, _stopping.Token),
            playbook.HasAgent ? AgentStreamPlans.For(playbook, call, _playbooks.OpenAgentToken(playbook), fallback) : null, ticket.Audio?.Id);
        return (new CallPlan(call.Id, call.OrgId, call.ToE164!, call.FromE164 ?? "", call.Language, playbookPlan,
            TimeSpan.FromSeconds(ticket.Duration.Seconds), _options.RingTimeout), unspeakable);
    }

    /// <summary>Once the call's end is recorded: its complete recording, if the provider wrote one, is registered.</summary>
    private async Task RegisterRecordingAsync(CallPlan plan)
    {
        if (plan.Playbook.RecordingFile is not { } file || !File.Exists(file))
        {
            return;
        }

        await _recordings.CompleteAsync(plan.CallId, Path.GetRelativePath(_dataDirectory.Path, file), CancellationToken.None);
    }

    private void OnHangupRequested(HangupRequest request)
    {
        if (_calls.TryGetValue(request.CallId, out var live))
        {
            Track(request.CallId, () => live.RequestEndAsync(request.Reason, null));
            return;
        }

        // Admitted but not started yet: the start passes it on.
        _pendingHangups[request.CallId] = (request.Reason, _time.GetUtcNow());
        foreach (var stale in _pendingHangups.Where(p => _time.GetUtcNow() - p.Value.At > TimeSpan.FromMinutes(5)).ToList())
        {
            _pendingHangups.TryRemove(stale.Key, out _);
        }
    }

    private void OnTransferRequested(TransferRequest request)
    {
        if (_calls.TryGetValue(request.CallId, out var live))
        {
            Track(request.CallId, () => live.TransferAsync(request.Target));
            return;
        }

        _logger.LogWarning("Call {CallId}: a transfer was asked for, but the call is not live in this process", request.CallId);
    }

    /// <summary>Hangs every call up and waits for their ends; those the provider does not confirm are ended here.</summary>
    public async Task StopAllAsync(CancellationToken cancellationToken)
    {
        var calls = _calls.Values.ToList();
        foreach (var live in calls)
        {
            Track(live.CallId, () => live.RequestEndAsync(CallEndReasons.ApplianceShutdown, null));
        }

        try
        {
            await Task.WhenAll(calls.Select(c => c.Completion)).WaitAsync(ShutdownGrace, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (var live in calls.Where(c => !c.Completion.IsCompleted))
            {
                await live.ForceEndAsync(CallEndReasons.ApplianceShutdown, "the appliance stopped before the provider confirmed the hang-up");
            }
        }

        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_work.Keys).WaitAsync(ShutdownGrace, _time, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            _logger.LogWarning("{Count} call tasks were still running at shutdown", _work.Count);
        }
    }

    private void Track(string callId, Func<Task> work)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work();
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Call {CallId}: the dialer's work on it failed", callId);
            }
        });
        _work[task] = 0;
        task.ContinueWith(done => _work.TryRemove(done, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public void Dispose()
    {
        _hangups.Requested -= OnHangupRequested;
        _transfers.Requested -= OnTransferRequested;
        _stopping.Dispose();
    }
}
