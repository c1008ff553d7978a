using System.Net;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip.UserAgent;

/// <summary>The media side: the prompt over RTP, keys over RFC 4733, and hanging up when the playbook is done.</summary>
public sealed partial class SipCall
{
    private readonly DtmfReceiver _dtmf = new();
    private RtpSession? _rtp;
    private PromptPlayer? _player;
    private Task? _rtpReceiving;
    private NegotiatedMedia? _media;
    private bool _promptPlayed;
    private CallRecorder? _recorder;
    private volatile bool _mediaReleased;

    /// <summary>The local RTP port of this call (tests tell our packets from anyone else's by it).</summary>
    internal int? LocalRtpPort => _rtp?.LocalPort;

    private async Task StartMediaAsync(NegotiatedMedia media)
    {
        _media = media;
        _rtp!.Remote = media.Remote;
        StartRecording();
        StartRtcp(media);
        byte[] prompt;
        try
        {
            prompt = await _ua.Media.Prompts.LoadAsync(_plan.Playbook.Heard, media.Codec, CancellationToken.None);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Call {CallId}: the playbook prompt could not be read ({Detail}); playing silence", _plan.CallId, exception.Message);
            prompt = [];
        }

        _promptPlayed = prompt.Length > 0;
        _player = new PromptPlayer(_rtp, media.Codec, prompt, _ua.Time, () => Post(new PromptFinished()), _recorder);
        _ua.Media.Clock.Add(_player);
        OpenAgentStream();
        _rtpReceiving = _rtp.ReceiveAsync(OnRtp);
    }

    /// <summary>Runs on the RTP receive loop: telephone-event packets become digits; audio goes only into a recording.</summary>
    private void OnRtp(in RtpPacket packet)
    {
        _recorder?.Received(packet.PayloadType, packet.Payload);
        _agent?.Inbound(packet.PayloadType, packet.Payload);
        if (packet.PayloadType == AudioCodec.TelephoneEventPayloadType || packet.PayloadType == _media?.TelephoneEventPayloadType)
        {
            if (_dtmf.Accept(packet.Ssrc, packet.Timestamp, packet.Payload) is { } digit)
            {
                Post(new DigitReceived(digit));
            }
        }
    }

    private async Task OnDigitAsync(char digit)
    {
        if (_phase == CallPhase.Answered)
        {
            _logger.LogInformation("Call {CallId}: key {Digit} pressed", _plan.CallId, digit);
            _agent?.Dtmf(digit);
            await ReportAsync(() => _progress.DtmfAsync(digit));
        }
    }

    private async Task OnPromptFinishedAsync()
    {
        if (_phase != CallPhase.Answered || _transferring)
        {
            return;
        }

        if (_agentFallback)
        {
            await EndForAgentAsync(AgentUnavailable, "the agent could not be reached; the message was played instead");
            return;
        }

        if (_promptPlayed)
        {
            if (_recorder is not null)
            {
                await ReportAsync(() => _progress.TimelineAsync("recording_notice_played"));
            }

            await ReportAsync(() => _progress.TimelineAsync("disclosure_played"));
        }

        if (_agent is { } agent)
        {
            AwaitAgentAfterDisclosure(agent);
            return;
        }

        StartTimer(CallTimer.DigitWait, _ua.Options.DigitWait);
    }

    private async Task OnDigitWaitAsync()
    {
        if (_phase == CallPhase.Answered && !_transferring)
        {
            SendBye();
            await EndAsync(SipCallEnds.HungUp(HangupReason.PlaybookFinished), awaitingBye: true);
        }
    }

    private void StopMedia() => _player?.Stop();

    /// <summary>
    /// Gives the RTP and RTCP ports back (again at release: closing twice is harmless). Called as soon as our BYE is
    /// out: RFC 3261 §15.1.1 has the caller stop sending and listening for media once the BYE is handed to its
    /// transaction, and a BYE the peer never answers (timer F, 64×T1) kept both ports meanwhile; at thousands of calls
    /// a second, after a stall, that was the whole range (calls failed <c>media_unavailable</c>).
    /// </summary>
    private async Task ReleaseMediaAsync()
    {
        _mediaReleased = true;
        if (_rtp is not null)
        {
            await _rtp.DisposeAsync();
        }

        if (_rtpReceiving is not null)
        {
            await _rtpReceiving;
        }

        if (_rtcp is not null)
        {
            await _rtcp.DisposeAsync();
        }
    }

    /// <summary>From the answer on, both directions go into the plan's recording file (written under a partial name).</summary>
    private void StartRecording()
    {
        if (_plan.Playbook.RecordingFile is not { } file || _recorder is not null)
        {
            return;
        }

        try
        {
            _recorder = new CallRecorder(RecordingFiles.PartialPath(file), _ua.Media.Recordings, _ua.Time);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Call {CallId}: the recording could not be started ({Detail}); the call goes on unrecorded", _plan.CallId, exception.Message);
        }
    }

    /// <summary>At hang-up: the file gets its final header, goes to disk and takes its final name.</summary>
    private async Task FinishRecordingAsync()
    {
        if (_recorder is not { } recorder)
        {
            return;
        }

        _recorder = null;
        try
        {
            await recorder.FinishAsync();
            File.Move(recorder.Path, _plan.Playbook.RecordingFile!, overwrite: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Call {CallId}: the recording could not be closed ({Detail}); start-up recovery will repair it", _plan.CallId, exception.Message);
            recorder.Dispose();
        }
    }
}
