using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Threading.Channels;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Sdp;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>
/// One call's bridge to its voice agent over Twilio Media Streams (bidirectional). It connects first (the socket may
/// open while the disclosure plays); <see cref="Start"/> then sends <c>connected</c> and <c>start</c> and lets audio
/// flow both ways: the callee's RTP goes out as <c>media</c> (one message per 20 ms packet) and keys as <c>dtmf</c>; the
/// agent's <c>media</c> is queued in an <see cref="AgentAudioQueue"/> that the media clock drains one frame per tick,
/// its <c>mark</c>s are echoed once the audio before them has gone, and <c>clear</c> drops what is queued.
/// <see cref="StopAsync"/> sends <c>stop</c> and closes. Every message goes through one send loop, in
/// <c>sequenceNumber</c> order.
/// </summary>
public sealed class AgentStream : IFrameSource, IAsyncDisposable
{
    /// <summary>The largest message accepted from the agent (a minute of base64 audio and then some).</summary>
    public const int MaxMessageBytes = 1 << 20;

    /// <summary>Callee audio not yet sent to an agent that stopped reading is dropped beyond 10 s, rather than held.</summary>
    public const int MaxUnsentMedia = 500;

    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly AgentStreamPlan _plan;
    private readonly string _callSid;
    private readonly string _accountSid;
    private readonly TimeProvider _time;
    private readonly AgentStreamMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<byte[]> _outbox = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _sendLock = new();
    private readonly AgentAudioQueue _audio = new();
    private readonly List<string> _released = [];
    private readonly byte[] _ulaw = new byte[AgentAudioQueue.FrameBytes];
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<string> _gone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<string?> _connecting = Task.FromResult<string?>("not connected");
    private Task _sending = Task.CompletedTask;
    private Task _receiving = Task.CompletedTask;
    private long _sequence;
    private long _chunk;
    private int _unsentMedia;
    private long _startedAt;
    private volatile bool _bridged;
    private bool _stopped;
    private int _disposed;

    internal AgentStream(AgentStreamPlan plan, string callSid, string accountSid, TimeProvider time, AgentStreamMetrics metrics, ILogger logger)
    {
        _plan = plan;
        _callSid = callSid;
        _accountSid = accountSid;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        StreamSid = "MZ" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (plan.AuthToken is { } token)
        {
            _socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }
    }

    public string StreamSid { get; }

    /// <summary>Completes with null once the socket is open, or with why the agent could not be reached.</summary>
    public Task<string?> Connected => _connecting;

    /// <summary>Completes with why the stream ended: the agent closed it, it failed, or the call stopped it.</summary>
    public Task<string> Gone => _gone.Task;

    /// <summary>Whether audio flows (after <see cref="StartAsync"/>, before <see cref="StopAsync"/>).</summary>
    public bool IsBridged => _bridged;

    /// <summary>Agent audio waiting to be played, in bytes (8000 a second).</summary>
    public long QueuedBytes => _audio.QueuedBytes;

    internal void BeginConnect(TimeSpan timeout) => _connecting = ConnectAsync(timeout);

    private async Task<string?> ConnectAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(limit.Token, _closing.Token);
        try
        {
            await _socket.ConnectAsync(_plan.StreamUrl, linked.Token);
            return null;
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested)
        {
            return $"the agent did not answer within {timeout.TotalSeconds:0} s";
        }
        catch (OperationCanceledException)
        {
            return "the call ended while the agent was connecting";
        }
        catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or System.Security.Authentication.AuthenticationException)
        {
            // The message names the cause (refused, bad status, certificate); it never holds the token.
            return $"the agent could not be reached: {Describe(ex)}";
        }
    }

    /// <summary>Sends <c>connected</c> and <c>start</c>; from now on audio flows both ways. Only after <see cref="Connected"/> gave null.</summary>
    public void Start()
    {
        lock (_sendLock)
        {
            _outbox.Writer.TryWrite(MediaStreamMessages.Connected());
            _outbox.Writer.TryWrite(MediaStreamMessages.Start(++_sequence, StreamSid, _callSid, _accountSid, _plan.CustomParameters));
            _startedAt = _time.GetTimestamp();
            _bridged = true;
        }

        _metrics.StreamOpened();
        _sending = SendLoopAsync();
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>One RTP payload from the callee (on the RTP receive thread): PCMU as is, PCMA converted; other payloads ignored.</summary>
    public void Inbound(int payloadType, ReadOnlySpan<byte> payload)
    {
        if (!_bridged || payload.Length == 0 || payload.Length > 1024)
        {
            return;
        }

        Span<byte> ulaw = stackalloc byte[payload.Length];
        if (payloadType == AudioCodec.Pcmu.PayloadType)
        {
            payload.CopyTo(ulaw);
        }
        else if (payloadType == AudioCodec.Pcma.PayloadType)
        {
            for (var i = 0; i < payload.Length; i++)
            {
                ulaw[i] = G711.LinearToUlaw(G711.AlawToLinear(payload[i]));
            }
        }
        else
        {
            return;
        }

        if (Volatile.Read(ref _unsentMedia) >= MaxUnsentMedia)
        {
            return;
        }

        lock (_sendLock)
        {
            if (!_stopped)
            {
                var at = (long)_time.GetElapsedTime(_startedAt).TotalMilliseconds;
                Interlocked.Increment(ref _unsentMedia);
                _outbox.Writer.TryWrite(MediaStreamMessages.Media(++_sequence, StreamSid, ++_chunk, at, ulaw));
            }
        }

        _metrics.FrameToAgent();
    }

    public void Dtmf(char digit) => Post(sequence => MediaStreamMessages.Dtmf(sequence, StreamSid, digit));

    /// <summary>The next frame for the callee (on the media clock): queued agent audio, silence where there is none.</summary>
    public void Fill(Span<byte> frame, AudioCodec codec, bool late)
    {
        var ulaw = _ulaw.AsSpan(0, Math.Min(frame.Length, _ulaw.Length));
        var taken = _bridged ? _audio.Take(ulaw, _released) : 0;
        ulaw[taken..].Fill(G711.UlawSilence);
        if (codec == AudioCodec.Pcma)
        {
            for (var i = 0; i < ulaw.Length; i++)
            {
                frame[i] = G711.LinearToAlaw(G711.UlawToLinear(ulaw[i]));
            }
        }
        else
        {
            ulaw.CopyTo(frame);
        }

        if (taken > 0)
        {
            _metrics.FramePlayed(late);
        }

        foreach (var name in _released)
        {
            Post(sequence => MediaStreamMessages.Mark(sequence, StreamSid, name));
        }

        _released.Clear();
    }

    /// <summary>Frames the line skipped after a stall count as late: the callee heard a gap.</summary>
    public void Skipped(long frames) => _metrics.FramesSkipped(frames);

    /// <summary>Sends <c>stop</c>, lets the send loop drain, closes the socket and waits for the loops. Idempotent.</summary>
    public async Task StopAsync()
    {
        var wasBridged = false;
        lock (_sendLock)
        {
            if (_stopped)
            {
                return;
            }

            if (_bridged)
            {
                wasBridged = true;
                _outbox.Writer.TryWrite(MediaStreamMessages.Stop(++_sequence, StreamSid, _callSid, _accountSid));
            }

            _stopped = true;
            _bridged = false;
            _outbox.Writer.TryComplete();
        }

        _gone.TrySetResult("stopped");
        if (wasBridged)
        {
            _metrics.StreamClosed();
        }

        if (!wasBridged)
        {
            await _closing.CancelAsync();
            await _connecting;
            return;
        }

        try
        {
            await _sending.WaitAsync(CloseGrace, _time);
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var limit = new CancellationTokenSource(CloseGrace, _time);
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended", limit.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _logger.LogDebug("Call {CallId}: the agent stream did not close cleanly ({Detail})", _callSid, ex.Message);
        }

        await _closing.CancelAsync();
        await _receiving;
    }

    private void Post(Func<long, byte[]> message)
    {
        lock (_sendLock)
        {
            if (_bridged && !_stopped)
            {
                _outbox.Writer.TryWrite(message(++_sequence));
            }
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var message in _outbox.Reader.ReadAllAsync())
            {
                await _socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, _closing.Token);
                if (IsMedia(message))
                {
                    Interlocked.Decrement(ref _unsentMedia);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            AgentGone($"sending to the agent failed: {Describe(ex)}");
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, _closing.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    AgentGone("agent_closed");
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (message.Length > MaxMessageBytes)
                {
                    AgentGone($"the agent sent a message over {MaxMessageBytes} bytes");
                    return;
                }

                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    Handle(AgentMessage.Parse(message.GetBuffer().AsSpan(0, (int)message.Length)));
                }

                message.SetLength(0);
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException)
        {
            AgentGone($"the agent's stream failed: {Describe(ex)}");
        }
    }

    private void Handle(AgentMessage? message)
    {
        switch (message)
        {
            case AgentMedia media:
                _audio.Enqueue(media.Ulaw);
                break;
            case AgentMark mark:
                _audio.Mark(mark.Name);
                break;
            case AgentClear:
                foreach (var name in _audio.Clear())
                {
                    Post(sequence => MediaStreamMessages.Mark(sequence, StreamSid, name));
                }

                break;
        }
    }

    private void AgentGone(string reason)
    {
        if (!_closing.IsCancellationRequested)
        {
            _gone.TrySetResult(reason);
        }
    }

    private static bool IsMedia(byte[] message) => message.AsSpan().StartsWith("{\"event\":\"media\""u8);

    private static string Describe(Exception ex) => ex.InnerException is { } inner ? $"{ex.Message} ({inner.Message})" : ex.Message;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync();
        _socket.Dispose();
        _closing.Dispose();
    }
}
