using System.Buffers;
using System.Text.Json;

namespace Cualify.Appliance.Dialer.AgentStreams;

/// <summary>
/// The messages of Twilio Media Streams (bidirectional) that the appliance sends, written field for field as Twilio
/// documents them: <c>sequenceNumber</c>, <c>chunk</c> and <c>timestamp</c> are strings, <c>customParameters</c> a
/// string → string map, the payload base64 µ-law.
/// </summary>
public static class MediaStreamMessages
{
    public const string Encoding = "audio/x-mulaw";
    public const int SampleRate = 8000;

    public static byte[] Connected() => Write(w =>
    {
        w.WriteString("event", "connected");
        w.WriteString("protocol", "Call");
        w.WriteString("version", "1.0.0");
    });

    public static byte[] Start(long sequence, string streamSid, string callSid, string accountSid, IReadOnlyDictionary<string, string> customParameters) =>
        Write(w =>
        {
            w.WriteString("event", "start");
            w.WriteString("sequenceNumber", Text(sequence));
            w.WriteStartObject("start");
            w.WriteString("accountSid", accountSid);
            w.WriteString("streamSid", streamSid);
            w.WriteString("callSid", callSid);
            w.WriteStartArray("tracks");
            w.WriteStringValue("inbound");
            w.WriteEndArray();
            w.WriteStartObject("customParameters");
            foreach (var (name, value) in customParameters)
            {
                w.WriteString(name, value);
            }

            w.WriteEndObject();
            w.WriteStartObject("mediaFormat");
            w.WriteString("encoding", Encoding);
            w.WriteNumber("sampleRate", SampleRate);
            w.WriteNumber("channels", 1);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("streamSid", streamSid);
        });

    public static byte[] Media(long sequence, string streamSid, long chunk, long timestampMs, ReadOnlySpan<byte> ulaw)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + (ulaw.Length * 4 / 3));
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event", "media");
            w.WriteString("sequenceNumber", Text(sequence));
            w.WriteStartObject("media");
            w.WriteString("track", "inbound");
            w.WriteString("chunk", Text(chunk));
            w.WriteString("timestamp", Text(timestampMs));
            w.WriteBase64String("payload", ulaw);
            w.WriteEndObject();
            w.WriteString("streamSid", streamSid);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Dtmf(long sequence, string streamSid, char digit) => Write(w =>
    {
        w.WriteString("event", "dtmf");
        w.WriteString("streamSid", streamSid);
        w.WriteString("sequenceNumber", Text(sequence));
        w.WriteStartObject("dtmf");
        w.WriteString("track", "inbound_track");
        w.WriteString("digit", digit.ToString());
        w.WriteEndObject();
    });

    public static byte[] Mark(long sequence, string streamSid, string name) => Write(w =>
    {
        w.WriteString("event", "mark");
        w.WriteString("sequenceNumber", Text(sequence));
        w.WriteString("streamSid", streamSid);
        w.WriteStartObject("mark");
        w.WriteString("name", name);
        w.WriteEndObject();
    });

    public static byte[] Stop(long sequence, string streamSid, string callSid, string accountSid) => Write(w =>
    {
        w.WriteString("event", "stop");
        w.WriteString("sequenceNumber", Text(sequence));
        w.WriteString("streamSid", streamSid);
        w.WriteStartObject("stop");
        w.WriteString("accountSid", accountSid);
        w.WriteString("callSid", callSid);
        w.WriteEndObject();
    });

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>One message from the agent: <c>media</c> (audio to play), <c>mark</c>, <c>clear</c>; anything else is ignored.</summary>
public abstract record AgentMessage
{
    /// <summary>Reads one text frame; null for what is not a message the appliance acts on (unknown events, bad JSON).</summary>
    public static AgentMessage? Parse(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            return kind.GetString() switch
            {
                "media" when root.TryGetProperty("media", out var media) && media.ValueKind == JsonValueKind.Object
                             && media.TryGetProperty("payload", out var payload) && payload.ValueKind == JsonValueKind.String
                             && payload.TryGetBytesFromBase64(out var audio) => new AgentMedia(audio),
                "mark" when root.TryGetProperty("mark", out var mark) && mark.ValueKind == JsonValueKind.Object
                            && mark.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String => new AgentMark(name.GetString()!),
                "clear" => new AgentClear(),
                _ => null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public sealed record AgentMedia(byte[] Ulaw) : AgentMessage;

public sealed record AgentMark(string Name) : AgentMessage;

public sealed record AgentClear : AgentMessage;
