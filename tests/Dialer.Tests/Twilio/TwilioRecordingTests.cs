using System.Buffers.Binary;
using System.Xml.Linq;
using Cualify.Appliance.Dialer.Tests.Sip;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// A recorded playbook on Twilio, through the API on a fake clock: the create asks Twilio to record both sides in two
/// channels, the org's recording notice is said first, and the recording Twilio made — announced by its signed
/// callback, or found by listing the call's recordings — is downloaded with basic auth and served like a SIP one.
/// Twilio's file has the callee on its first channel (a 1 kHz tone here) and what it played on the second (440 Hz).
/// </summary>
public abstract class TwilioRecordingTests : IAsyncLifetime
{
    private const string Callee = "+919812345611";
    private const string CallerId = "+918049123456";
    private const int CalleeHz = 1000;
    private const int OursHz = 440;
    private const int Seconds = 20;
    private readonly bool _callbacks;
    private FakeTwilio _twilio = null!;
    private DialerHarness _harness = null!;
    private string _agentId = "";
    private string _publicBase = "";

    protected TwilioRecordingTests(bool callbacks) => _callbacks = callbacks;

    public async Task InitializeAsync()
    {
        _twilio = await FakeTwilio.StartAsync();
        var settings = TwilioTestHost.Settings(_twilio);
        settings["Dialer:Twilio:MachineDetection"] = "false";
        settings["Dialer:Twilio:RecordingPollInterval"] = "00:00:01";
        if (_callbacks)
        {
            var port = FreePorts.Tcp();
            _publicBase = $"http://127.0.0.1:{port}/";
            settings["Api:Urls"] = $"http://127.0.0.1:{port}";
            settings["Api:PublicBaseUrl"] = _publicBase;
            settings["Dialer:Twilio:CallbackSafetyPollInterval"] = "01:00:00";
        }

        _harness = await DialerHarness.StartAsync(settings: settings);
        _twilio.Clock = _harness.Time;
        _agentId = await _harness.CreatePlaybookAsync(new
        {
            name = "Recorded renewal",
            language = "en-IN",
            max_duration_sec = 300,
            disclosure_text = "This call is from Acme Insurance.",
            message_text = "Your policy renews next week.",
            dtmf = new Dictionary<string, string>(),
            record = true,
        });
        await _harness.UpsertContactAsync(Callee);
        await _harness.TopUpAsync(100_000);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task A_recorded_call_asks_twilio_for_a_dual_channel_recording_and_says_the_recording_notice_first()
    {
        var (callId, placed) = await PlaceAsync();

        Assert.True(placed.Recorded);
        Assert.Equal(["dual"], placed.Form["RecordingChannels"]);
        if (_callbacks)
        {
            Assert.Equal([$"{_publicBase}api/v1/providers/twilio/calls/{callId}/recording"], placed.Form["RecordingStatusCallback"]);
            Assert.Equal(["POST"], placed.Form["RecordingStatusCallbackMethod"]);
            Assert.Equal(["completed"], placed.Form["RecordingStatusCallbackEvent"]);
        }
        else
        {
            Assert.False(placed.Form.ContainsKey("RecordingStatusCallback"));
        }

        var said = placed.TwimlDocument.Descendants("Say").Select(s => s.Value.Trim()).ToList();
        Assert.Equal(["This call is recorded.", "This call is from Acme Insurance.", "Your policy renews next week."], said);
        Assert.Empty(_twilio.Violations);

        if (_callbacks)
        {
            await MoveAsync(callId, placed, "ringing", "ringing");
            await MoveAsync(callId, placed, "in-progress", "in_progress");
            var (status, _) = await placed.GatherAsync(null);
            Assert.Equal(200, status);
            var timeline = (await _harness.GetCallAsync(callId))["timeline"]!.AsArray().Select(e => (string)e!["type"]!).ToList();
            Assert.True(timeline.IndexOf("recording_notice_played") is >= 0 and var notice && notice < timeline.IndexOf("disclosure_played"), string.Join(", ", timeline));
        }

        await placed.MoveAsync(_callbacks ? "completed" : "canceled");
        await _harness.AdvanceUntilFinalAsync(callId);
    }

    [Fact]
    public async Task Twilios_recording_is_downloaded_with_basic_auth_and_served_with_our_side_on_channel_1()
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");
        await MoveAsync(callId, placed, "in-progress", "in_progress");
        _harness.Time.Advance(TimeSpan.FromSeconds(Seconds));
        placed.Duration = Seconds;
        var recording = placed.Record(TwilioDualWav(Seconds), status: _callbacks ? "completed" : "processing");
        await placed.MoveAsync("completed");
        await _harness.AdvanceUntilFinalAsync(callId);

        // Nothing is fetched before Twilio says the file is ready: by its callback, or by the listing showing it complete.
        for (var i = 0; i < 5; i++)
        {
            await _harness.AdvanceUntilAsync(callId, _ => true);
            _harness.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.DoesNotContain(_twilio.Requests, r => r.StartsWith("GET Recordings/", StringComparison.Ordinal));
        Assert.Null((await _harness.CallAsync(callId))!.RecordingUrl);
        if (_callbacks)
        {
            Assert.DoesNotContain(_twilio.Requests, r => r.EndsWith("/Recordings", StringComparison.Ordinal));
            var (forged, _) = await placed.RecordingCompletedAsync(tamper: name => name == "RecordingSid" ? "RE" + new string('f', 32) : null);
            Assert.Equal(403, forged);
            var (status, _) = await placed.RecordingCompletedAsync();
            Assert.Equal(204, status);
        }
        else
        {
            Assert.Contains($"GET Calls/{placed.Sid}/Recordings", _twilio.Requests);
            recording.Status = "completed";
        }

        var call = await _harness.AdvanceUntilAsync(callId, c => c.RecordingUrl is not null, limit: TimeSpan.FromMinutes(5), step: TimeSpan.FromMilliseconds(500));

        Assert.Equal(1, _twilio.Requests.Count(r => r == $"GET Recordings/{recording.Sid}.wav"));

        var view = await _harness.GetCallAsync(callId);
        var url = (string)view["recording_url"]!;
        Assert.Equal(_callbacks ? _publicBase + "api/v1/recordings/" : $"/api/v1/calls/{callId}/recording", _callbacks ? url[..url.LastIndexOf('/')] + "/" : url);
        var response = await _harness.Admin.GetAsync($"/api/v1/calls/{callId}/recording");
        Assert.Equal(200, (int)response.StatusCode);
        var wav = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal((2, 8000, 16), (BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))));
        Assert.Equal(Seconds * 32000, wav.Length - 44);
        Assert.Equal(wav.Length - 44, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        Assert.InRange((wav.Length - 44) / 32000.0, call.DurationSec!.Value - 1.0, call.DurationSec!.Value + 1.0);
        var (ours, theirs) = HeardAudio.Channels(wav);
        Assert.True(HeardAudio.Power(ours, OursHz) > 50 * HeardAudio.Power(ours, CalleeHz), "channel 1 is what Twilio played for us");
        Assert.True(HeardAudio.Power(theirs, CalleeHz) > 50 * HeardAudio.Power(theirs, OursHz), "channel 2 is the callee");

        if (_callbacks)
        {
            using var anonymous = _harness.Appliance.Client();
            Assert.Equal(wav, await anonymous.GetByteArrayAsync(url));
            var (again, _) = await placed.RecordingCompletedAsync();
            Assert.Equal(204, again);
            await _harness.AdvanceUntilAsync(callId, _ => true);
            Assert.Equal(1, _twilio.Requests.Count(r => r == $"GET Recordings/{recording.Sid}.wav"));
        }

        var metrics = await _harness.Admin.GetStringAsync("/metrics");
        Assert.Contains("cualify_recordings_written_total{source=\"twilio\"} 1", metrics);
        Assert.Empty(_twilio.Violations);
    }

    [Fact]
    public async Task An_unanswered_recorded_call_fetches_nothing()
    {
        var (callId, placed) = await PlaceAsync();
        await MoveAsync(callId, placed, "ringing", "ringing");
        await placed.MoveAsync("no-answer");
        await _harness.AdvanceUntilFinalAsync(callId);
        for (var i = 0; i < 5; i++)
        {
            await _harness.AdvanceUntilAsync(callId, _ => true);
            _harness.Time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.DoesNotContain(_twilio.Requests, r => r.Contains("Recordings", StringComparison.Ordinal));
        Assert.Null((await _harness.CallAsync(callId))!.RecordingUrl);
    }

    /// <summary>What Twilio serves for a dual recording: channel 1 the callee, channel 2 what Twilio played, and a LIST chunk before the audio.</summary>
    private static byte[] TwilioDualWav(int seconds)
    {
        var frames = seconds * 8000;
        var data = new byte[frames * 4];
        for (var i = 0; i < frames; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan(i * 4), (short)(8000 * Math.Sin(2 * Math.PI * CalleeHz * i / 8000.0)));
            BinaryPrimitives.WriteInt16LittleEndian(data.AsSpan((i * 4) + 2), (short)(8000 * Math.Sin(2 * Math.PI * OursHz * i / 8000.0)));
        }

        var list = new byte[4 + 8 + 16];
        "INFO"u8.CopyTo(list);
        "ISFT"u8.CopyTo(list.AsSpan(4));
        BinaryPrimitives.WriteInt32LittleEndian(list.AsSpan(8), 16);
        "Twilio stand-in\0"u8.CopyTo(list.AsSpan(12));
        using var wav = new MemoryStream();
        using var writer = new BinaryWriter(wav);
        writer.Write("RIFF"u8);
        writer.Write(4 + 24 + 8 + list.Length + 8 + data.Length);
        writer.Write("WAVE"u8);
        writer.Write("fmt "u8);
        writer.Write(16);
        writer.Write((short)1);
        writer.Write((short)2);
        writer.Write(8000);
        writer.Write(8000 * 4);
        writer.Write((short)4);
        writer.Write((short)16);
        writer.Write("LIST"u8);
        writer.Write(list.Length);
        writer.Write(list);
        writer.Write("data"u8);
        writer.Write(data.Length);
        writer.Write(data);
        writer.Flush();
        return wav.ToArray();
    }

    private async Task<(string CallId, FakeTwilioCall Placed)> PlaceAsync()
    {
        var callId = await _harness.PlaceCallAsync(new { agent_id = _agentId, to_e164 = Callee, from_e164 = CallerId });
        var next = _twilio.NextCallAsync();
        await _harness.AdvanceUntilAsync(callId, _ => next.IsCompleted);
        return (callId, await next);
    }

    private async Task MoveAsync(string callId, FakeTwilioCall placed, string twilioStatus, string status)
    {
        await placed.MoveAsync(twilioStatus);
        await _harness.AdvanceUntilAsync(callId, c => c.Status == status, step: TimeSpan.FromMilliseconds(100));
    }
}

public sealed class TwilioRecordingCallbackTests() : TwilioRecordingTests(callbacks: true);

public sealed class TwilioRecordingPollingTests() : TwilioRecordingTests(callbacks: false);
