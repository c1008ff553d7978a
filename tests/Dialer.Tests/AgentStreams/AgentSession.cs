using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Playbooks.Audio;

namespace Cualify.Appliance.Dialer.Tests.AgentStreams;

/// <summary>
/// One stream at the agent stand-in. Every message is checked as Twilio documents it — <c>connected</c> first, then
/// <c>start</c> (<c>sequenceNumber</c> "1", the SIDs, <c>tracks</c>, <c>mediaFormat</c>, string <c>customParameters</c>),
/// then messages whose string <c>sequenceNumber</c> counts up by one, <c>media</c> with string <c>chunk</c> counting up
/// from "1", a string <c>timestamp</c> that never goes back and a 160-byte µ-law payload — and what breaks the rules is
/// kept in <see cref="Violations"/>. The test speaks back with <see cref="SendAudioAsync"/>, marks, clear and close.
/// </summary>
public sealed class AgentSession(WebSocket socket, string authorization)
{
    private readonly TaskCompletionSource<JsonNode> _start = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonNode> _stop = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private readonly List<byte> _inbound = [];
    private readonly List<(string Kind, string Value, int InboundFrames)> _events = [];
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastSequence;
    private long _lastChunk;
    private long _lastTimestamp = -1;

    public string Authorization { get; } = authorization;

    public ConcurrentQueue<string> Violations { get; } = new();

    public Task<JsonNode> Started => _start.Task;

    /// <summary>The <c>stop</c> message, when it has come.</summary>
    public Task<JsonNode> Stopped => _stop.Task;

    /// <summary>Completes when the socket is closed (by either side).</summary>
    public Task Closed => _closed.Task;

    public string StreamSid => (string)Started.Result["streamSid"]!;

    /// <summary>All µ-law the appliance sent so far (the callee's side of the call).</summary>
    public byte[] InboundUlaw()
    {
        lock (_inbound)
        {
            return [.. _inbound];
        }
    }

    /// <summary>The inbound audio decoded to [-1, 1] samples.</summary>
    public float[] InboundSamples() => InboundUlaw().Select(b => G711.UlawToLinear(b) / 32768f).ToArray();

    public int InboundFrames
    {
        get
        {
            lock (_inbound)
            {
                return _inbound.Count / 160;
            }
        }
    }

    /// <summary>The marks and keys that came back, each with how many inbound frames had arrived by then.</summary>
    public IReadOnlyList<(string Kind, string Value, int InboundFrames)> Events()
    {
        lock (_events)
        {
            return [.. _events];
        }
    }

    /// <summary>Waits until a <paramref name="kind"/> message (<c>mark</c> or <c>dtmf</c>) with <paramref name="value"/> has come.</summary>
    public async Task<(string Kind, string Value, int InboundFrames)> WaitForAsync(string kind, string value, TimeSpan? within = null)
    {
        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = Events().FirstOrDefault(e => e.Kind == kind && e.Value == value);
            if (found.Kind is not null)
            {
                return found;
            }

            if (limit.IsCancellationRequested || Closed.IsCompleted)
            {
                throw new Xunit.Sdk.XunitException($"no {kind} '{value}' came; got {string.Join(", ", Events())}; violations: {string.Join("; ", Violations)}");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>Waits until the appliance has sent <paramref name="frames"/> media frames in all.</summary>
    public async Task WaitForInboundFramesAsync(int frames, TimeSpan? within = null)
    {
        using var limit = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        while (InboundFrames < frames)
        {
            if (limit.IsCancellationRequested || Closed.IsCompleted)
            {
                throw new Xunit.Sdk.XunitException($"only {InboundFrames} of {frames} media frames came");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }

    /// <summary>Sends <paramref name="ulaw"/> as <c>media</c> messages of <paramref name="chunkBytes"/> each (any size, as agents do).</summary>
    public async Task SendAudioAsync(byte[] ulaw, int chunkBytes)
    {
        for (var offset = 0; offset < ulaw.Length; offset += chunkBytes)
        {
            var piece = ulaw.AsSpan(offset, Math.Min(chunkBytes, ulaw.Length - offset));
            await SendAsync(new JsonObject
            {
                ["event"] = "media",
                ["streamSid"] = StreamSid,
                ["media"] = new JsonObject { ["payload"] = Convert.ToBase64String(piece) },
            });
        }
    }

    public Task SendMarkAsync(string name) =>
        SendAsync(new JsonObject { ["event"] = "mark", ["streamSid"] = StreamSid, ["mark"] = new JsonObject { ["name"] = name } });

    public Task SendClearAsync() => SendAsync(new JsonObject { ["event"] = "clear", ["streamSid"] = StreamSid });

    public async Task CloseAsync()
    {
        await _sendGate.WaitAsync();
        try
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "agent done", CancellationToken.None);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        await _sendGate.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        }
        finally
        {
            _sendGate.Release();
        }
    }

    internal async Task RunAsync(CancellationToken aborted)
    {
        var buffer = new byte[64 * 1024];
        var index = 0;
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer, aborted);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    }

                    break;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    Violations.Enqueue("a binary frame; Twilio sends text frames only");
                    continue;
                }

                Check(index++, JsonNode.Parse(message.ToArray())!);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            _closed.TrySetResult();
            _start.TrySetException(new Xunit.Sdk.XunitException($"the stream ended before start; violations: {string.Join("; ", Violations)}"));
        }
    }

    private void Check(int index, JsonNode message)
    {
        var kind = (string?)message["event"];
        if (index == 0)
        {
            Expect(kind == "connected" && (string?)message["protocol"] == "Call" && (string?)message["version"] == "1.0.0",
                $"the first message must be connected {{protocol: Call, version: 1.0.0}}, not {message.ToJsonString()}");
            return;
        }

        if (!Sequence(message))
        {
            return;
        }

        switch (kind)
        {
            case "start" when index == 1:
                CheckStart(message);
                break;
            case "media":
                CheckMedia(message);
                break;
            case "mark":
                Expect(message["mark"]?["name"] is JsonValue, $"mark without mark.name: {message.ToJsonString()}");
                Record("mark", (string?)message["mark"]?["name"] ?? "");
                break;
            case "dtmf":
                Expect((string?)message["dtmf"]?["track"] == "inbound_track" && ((string?)message["dtmf"]?["digit"])?.Length == 1,
                    $"dtmf must carry dtmf.track inbound_track and one digit: {message.ToJsonString()}");
                Record("dtmf", (string?)message["dtmf"]?["digit"] ?? "");
                break;
            case "stop":
                var start = Started.Result["start"]!;
                Expect((string?)message["stop"]?["callSid"] == (string?)start["callSid"] && (string?)message["stop"]?["accountSid"] == (string?)start["accountSid"],
                    $"stop must repeat the start's callSid and accountSid: {message.ToJsonString()}");
                _stop.TrySetResult(message);
                break;
            default:
                Violations.Enqueue($"unexpected message #{index}: {message.ToJsonString()}");
                break;
        }
    }

    private bool Sequence(JsonNode message)
    {
        if (message["sequenceNumber"] is not JsonValue sequenceValue || sequenceValue.GetValueKind() != JsonValueKind.String
            || !long.TryParse((string)sequenceValue!, out var sequence))
        {
            Violations.Enqueue($"sequenceNumber must be a string number: {message.ToJsonString()}");
            return false;
        }

        Expect(sequence == _lastSequence + 1, $"sequenceNumber {sequence} after {_lastSequence}");
        _lastSequence = sequence;
        if (_start.Task.IsCompleted)
        {
            Expect((string?)message["streamSid"] == StreamSid, $"streamSid differs from the start's: {message.ToJsonString()}");
        }

        return true;
    }

    private void CheckStart(JsonNode message)
    {
        var start = message["start"];
        var format = start?["mediaFormat"];
        Expect(start?["streamSid"] is JsonValue && (string?)start["streamSid"] == (string?)message["streamSid"], "start.streamSid must equal streamSid");
        Expect(((string?)start?["streamSid"])?.StartsWith("MZ", StringComparison.Ordinal) == true, "streamSid starts with MZ, like Twilio's");
        Expect(start?["callSid"] is JsonValue && start["accountSid"] is JsonValue, "start must carry callSid and accountSid");
        Expect(start?["tracks"] is JsonArray tracks && tracks.Select(t => (string?)t).SequenceEqual(["inbound"]), "start.tracks must be [\"inbound\"]");
        Expect((string?)format?["encoding"] == "audio/x-mulaw" && format?["sampleRate"]?.GetValueKind() == JsonValueKind.Number
               && (int?)format?["sampleRate"] == 8000 && (int?)format?["channels"] == 1,
            $"mediaFormat must be {{audio/x-mulaw, 8000, 1}}: {format?.ToJsonString()}");
        Expect(start?["customParameters"] is JsonObject parameters && parameters.All(p => p.Value?.GetValueKind() == JsonValueKind.String),
            "customParameters must be an object of strings");
        _start.TrySetResult(message);
    }

    private void CheckMedia(JsonNode message)
    {
        var media = message["media"];
        if (!Started.IsCompletedSuccessfully)
        {
            Violations.Enqueue("media before start");
            return;
        }

        Expect((string?)media?["track"] == "inbound", "media.track must be inbound");
        if (media?["chunk"] is JsonValue chunkValue && chunkValue.GetValueKind() == JsonValueKind.String && long.TryParse((string)chunkValue!, out var chunk))
        {
            Expect(chunk == _lastChunk + 1, $"chunk {chunk} after {_lastChunk}");
            _lastChunk = chunk;
        }
        else
        {
            Violations.Enqueue("media.chunk must be a string number");
        }

        if (media?["timestamp"] is JsonValue stampValue && stampValue.GetValueKind() == JsonValueKind.String && long.TryParse((string)stampValue!, out var stamp))
        {
            Expect(stamp >= _lastTimestamp, $"timestamp {stamp} after {_lastTimestamp}");
            _lastTimestamp = stamp;
        }
        else
        {
            Violations.Enqueue("media.timestamp must be a string number of milliseconds");
        }

        var payload = Convert.FromBase64String((string?)media?["payload"] ?? "");
        Expect(payload.Length == 160, $"a media payload is 20 ms of µ-law (160 bytes), not {payload.Length}");
        lock (_inbound)
        {
            _inbound.AddRange(payload);
        }
    }

    private void Record(string kind, string value)
    {
        var frames = InboundFrames;
        lock (_events)
        {
            _events.Add((kind, value, frames));
        }
    }

    private void Expect(bool condition, string violation)
    {
        if (!condition)
        {
            Violations.Enqueue(violation);
        }
    }
}
