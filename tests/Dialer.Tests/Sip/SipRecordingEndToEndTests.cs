using System.Buffers.Binary;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Testing;
using static Cualify.Appliance.Dialer.Tests.Sip.SipTrunkAppliance;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// A recorded call against a real callee: the appliance calls baresip (which answers and plays a 1 kHz tone) with a
/// playbook that records; the WAV the API serves holds our speech on channel 1 and baresip's tone on channel 2.
/// </summary>
public sealed class SipRecordingEndToEndTests
{
    private const int ToneHz = 1000;
    private static readonly Dictionary<string, string?> QuickEnd = new() { ["Dialer:Sip:DigitWait"] = "00:00:01" };

    [Fact]
    public async Task A_recorded_call_is_served_as_two_channels_with_our_speech_first_and_the_callee_second_and_erasure_deletes_it()
    {
        RequiredTool.Find("espeak-ng", "sudo apt-get install -y espeak-ng");
        const string number = "+919812345681";
        await using var callee = await BaresipCallee.StartAsync(number, HeardAudio.Tone(ToneHz, seconds: 40));
        await using var appliance = await StartAsync(callee.Port, new
        {
            name = "Recorded renewal",
            language = "en-IN",
            disclosure_text = "This is an automated call from Acme Insurance.",
            message_text = "Your policy renews next week. Goodbye.",
            dtmf = new Dictionary<string, string>(),
            record = true,
        }, prompt: null, QuickEnd);
        var playbook = await (await appliance.Admin.GetAsync($"/api/v1/playbooks/{appliance.AgentId}")).ExpectAsync(200);
        Assert.True((bool)playbook["data"]!["record"]!);
        var org = await (await appliance.Admin.GetAsync("/api/v1/org")).ExpectAsync(200);
        Assert.Equal("This call is recorded.", (string?)org["data"]!["recording_notice"]);

        var withNotice = HeardAudio.Mono(await GetBytesAsync(appliance.Admin, $"/api/v1/playbooks/{appliance.AgentId}/preview"));
        await (await appliance.Admin.PatchJsonAsync($"/api/v1/playbooks/{appliance.AgentId}", new { record = false })).ExpectAsync(200);
        var withoutNotice = HeardAudio.Mono(await GetBytesAsync(appliance.Admin, $"/api/v1/playbooks/{appliance.AgentId}/preview"));
        await (await appliance.Admin.PatchJsonAsync($"/api/v1/playbooks/{appliance.AgentId}", new { record = true })).ExpectAsync(200);
        Assert.True(withNotice.Length - withoutNotice.Length > 8000 * 0.8, "the notice adds most of a second of speech to the preview");
        Assert.Equal(withoutNotice, withNotice[^withoutNotice.Length..]);

        using var events = await OpenEventStreamAsync(appliance);
        var callId = await appliance.PlaceCallAsync(number);
        var ready = await ReadReadyEventAsync(events, callId);
        var call = await appliance.EndedCallAsync(callId);

        Assert.Equal("completed", (string?)call["status"]);
        var timeline = Timeline(call).ToList();
        Assert.True(timeline.IndexOf("recording_notice_played") is >= 0 and var notice && notice < timeline.IndexOf("disclosure_played"), string.Join(", ", timeline));
        var url = (string)call["recording_url"]!;
        Assert.Equal($"/api/v1/calls/{callId}/recording", url);
        Assert.Equal(url, (string?)ready["recording_url"]);

        var wav = await GetBytesAsync(appliance.Admin, url);
        Assert.Equal((2, 8000, 16), (BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(22)), BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(24)), BinaryPrimitives.ReadInt16LittleEndian(wav.AsSpan(34))));
        Assert.Equal(wav.Length - 44, BinaryPrimitives.ReadInt32LittleEndian(wav.AsSpan(40)));
        var seconds = (wav.Length - 44) / 32000.0;
        var talk = (DateTimeOffset.Parse((string)call["ended_at"]!) - DateTimeOffset.Parse((string)call["answered_at"]!)).TotalSeconds;
        Assert.InRange(seconds, talk - 1.0, talk + 1.0);
        // duration_sec is the talk time rounded up to whole billed seconds, and the file starts a few
        // packets after the answer, so it may fall just over a second short of the billed figure.
        Assert.InRange(seconds, (int)call["duration_sec"]! - 1.1, (int)call["duration_sec"]! + 1.0);
        Assert.InRange((long)ready["duration_sec"]!, (long)Math.Floor(seconds), (long)Math.Ceiling(seconds));

        var (ours, theirs) = HeardAudio.Channels(wav);
        var (spokenStart, spokenEnd) = HeardAudio.SoundSpan(ours);
        var (previewStart, previewEnd) = HeardAudio.SoundSpan(withNotice);
        Assert.InRange(spokenEnd - spokenStart, previewEnd - previewStart - 0.5, previewEnd - previewStart + 0.5);
        Assert.True(spokenStart < 1.0, $"our speech starts {spokenStart:0.00} s after the answer");
        var middle = (int)(seconds / 2 * 8000);
        var theirMiddle = theirs[(middle - 4000)..(middle + 4000)];
        var ourMiddle = ours[(middle - 4000)..(middle + 4000)];
        Assert.True(HeardAudio.Power(theirMiddle, ToneHz) > 50 * HeardAudio.Power(theirMiddle, 440), "channel 2 is baresip's 1 kHz tone");
        Assert.True(HeardAudio.Power(ourMiddle, ToneHz) < 0.05 * HeardAudio.Power(theirMiddle, ToneHz), "channel 1 is not the callee's tone");

        using var range = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(0, 99) } };
        var partial = await appliance.Admin.SendAsync(range);
        Assert.Equal(206, (int)partial.StatusCode);
        Assert.Equal(wav[..100], await partial.Content.ReadAsByteArrayAsync());
        using var outside = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Range = new RangeHeaderValue(wav.Length + 10, null) } };
        await (await appliance.Admin.SendAsync(outside)).ExpectErrorAsync(416, "invalid_request");

        var otherOrg = await appliance.Appliance.Get<OrgStore>().CreateAsync("other-org");
        var otherKey = await appliance.Appliance.Get<ApiKeyStore>().CreateAsync(otherOrg.Id, new NewApiKey("other", Scope.Read));
        using (var other = appliance.Appliance.Client(otherKey.FullKey))
        {
            await (await other.GetAsync(url)).ExpectErrorAsync(404, "not_found");
        }

        var file = Directory.GetFiles(Path.Combine(appliance.Appliance.DataDir, "recordings"), "*.wav", SearchOption.AllDirectories).Single();
        var contactId = (await appliance.Appliance.Get<CallReader>().GetAsync(callId))!.ContactId;
        await (await appliance.Admin.DeleteAsync($"/api/v1/contacts/{contactId}")).ExpectAsync(200);
        await (await appliance.Admin.GetAsync(url)).ExpectErrorAsync(404, "not_found");
        var erased = await (await appliance.Admin.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200);
        Assert.Null((string?)erased["data"]!["recording_url"]);
        Assert.False(File.Exists(file), "the recording's file is deleted with the contact");
    }

    private static async Task<HttpResponseMessage> OpenEventStreamAsync(SipTrunkAppliance appliance)
    {
        var stream = appliance.Appliance.AdminClient();
        stream.Timeout = Timeout.InfiniteTimeSpan;
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events?types=call.recording_ready");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await stream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        return response;
    }

    /// <summary>The data of the first <c>call.recording_ready</c> the stream carries, which must be about <paramref name="callId"/>.</summary>
    private static async Task<JsonNode> ReadReadyEventAsync(HttpResponseMessage events, string callId)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        using var lines = new StreamReader(await events.Content.ReadAsStreamAsync(limit.Token));
        var type = "";
        while (await lines.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && type == "call.recording_ready")
            {
                var data = JsonNode.Parse(line[6..])!["data"]!;
                Assert.Equal(callId, (string?)data["call_id"]);
                return data;
            }
        }

        throw new Xunit.Sdk.XunitException("the event stream ended without call.recording_ready");
    }

    private static async Task<byte[]> GetBytesAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("audio/wav", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
