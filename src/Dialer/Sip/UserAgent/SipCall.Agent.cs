using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>
/// The voice-agent side of a call whose playbook has an agent: the stream starts connecting at the answer, audio
/// flows once the notice and disclosure have played (<c>agent_connected</c>), and the agent closing the socket hangs
/// up (<c>agent_hangup</c>). An agent not reached within 5 s gets the spoken message instead, then the call ends
/// <c>agent_unavailable</c>. Whoever ends the call, the agent gets <c>stop</c>.
/// </summary>
public sealed partial class SipCall
{
    public const string AgentHangup = "agent_hangup";
    public const string AgentUnavailable = "agent_unavailable";

    private AgentStream? _agent;
    private Task _agentWatch = Task.CompletedTask;
    private Task _agentStop = Task.CompletedTask;
    private bool _agentFallback;
    private bool _agentDisconnectedReported;

    /// <summary>Starts connecting to the playbook's agent (at the answer, so the disclosure hides the latency).</summary>
    private void OpenAgentStream()
    {
        if (_plan.Playbook.Agent is { } plan && _ua.Media.Agents is { } connector && _agent is null)
        {
            _agent = connector.Open(plan, _plan.CallId, _plan.OrgId);
        }
    }

    /// <summary>The disclosure has played: wait (off the call loop) for the socket, then bridge or fall back.</summary>
    private void AwaitAgentAfterDisclosure(AgentStream agent) => _agentWatch = WatchAgentAsync(agent);

    private async Task WatchAgentAsync(AgentStream agent)
    {
        if (await agent.Connected is { } failure)
        {
            Post(new AgentUnreachable(failure));
            return;
        }

        Post(new AgentReachable());
        Post(new AgentGone(await agent.Gone));
    }

    private async Task OnAgentReachableAsync()
    {
        if (_phase != CallPhase.Answered || _agent is not { } agent)
        {
            return;
        }

        agent.Start();
        _player?.ContinueWith(agent);
        _logger.LogInformation("Call {CallId}: bridged to its voice agent (stream {StreamSid})", _plan.CallId, agent.StreamSid);
        await ReportAsync(() => _progress.TimelineAsync("agent_connected", new Dictionary<string, object?> { ["stream_sid"] = agent.StreamSid }));
    }

    private async Task OnAgentUnreachableAsync(string detail)
    {
        if (_phase != CallPhase.Answered || _agent is null)
        {
            return;
        }

        _ua.Media.Agents?.Metrics.ConnectFailed();
        _logger.LogWarning("Call {CallId}: its voice agent could not be reached ({Detail}); playing the message instead", _plan.CallId, detail);
        _agentFallback = true;
        _agentDisconnectedReported = true;
        await ReportAsync(() => _progress.TimelineAsync("agent_disconnected", new Dictionary<string, object?> { ["reason"] = "unreachable", ["detail"] = detail }));
        byte[] fallback;
        try
        {
            fallback = await _ua.Media.Prompts.LoadAsync(_plan.Playbook.Agent!.Fallback, _media!.Codec, CancellationToken.None);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Call {CallId}: the fallback message could not be read ({Detail})", _plan.CallId, exception.Message);
            fallback = [];
        }

        if (fallback.Length == 0)
        {
            await EndForAgentAsync(AgentUnavailable, detail);
            return;
        }

        _player?.PlayNext(fallback);
    }

    private async Task OnAgentGoneAsync(string reason)
    {
        if (_phase != CallPhase.Answered || _transferring || reason == "stopped")
        {
            return;
        }

        _agentDisconnectedReported = true;
        await ReportAsync(() => _progress.TimelineAsync("agent_disconnected", new Dictionary<string, object?> { ["reason"] = reason }));
        await EndForAgentAsync(AgentHangup, reason);
    }

    private async Task EndForAgentAsync(string endReason, string detail)
    {
        SendBye();
        await EndAsync(new CallEnd(CallOutcome.Completed, endReason, Detail: detail), awaitingBye: true);
    }

    /// <summary>As the call ends, for any reason: the timeline says so while the call is still open, and the agent gets <c>stop</c>.</summary>
    private async Task DisconnectAgentAsync(CallEnd end)
    {
        if (_agent is not { } agent)
        {
            return;
        }

        if (agent.IsBridged && !_agentDisconnectedReported)
        {
            _agentDisconnectedReported = true;
            await ReportAsync(() => _progress.TimelineAsync("agent_disconnected", new Dictionary<string, object?> { ["reason"] = end.EndReason }));
        }

        if (_agentStop.IsCompleted)
        {
            _agentStop = agent.DisposeAsync().AsTask();
        }
    }

    private async Task ReleaseAgentAsync()
    {
        if (_agent is { } agent)
        {
            await agent.DisposeAsync();
            await _agentStop;
            await _agentWatch;
        }
    }
}
