using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// Twilio fetches a call's prompt from the public address, so the load balancer may hand the request to a node that
/// neither dials the call nor converted the prompt (SPEC §9): that node checks the keyed token, finds the live call
/// in the store and serves the prompt from the store's copy.
/// </summary>
public sealed class TwilioPromptAcrossNodesTests : IAsyncLifetime
{
    private TwoTwilioNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await TwoTwilioNodes.StartAsync();

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_node_that_did_not_place_the_call_serves_its_uploaded_prompt_while_the_call_lives()
    {
        var (callId, placed) = await _nodes.PlaceAsync(prompt: WavFixtures.Tone(16000, 16, 1, 1.5));
        var playUrl = new Uri(placed.TwimlDocument.Root!.Descendants("Play").Single().Value);
        Assert.Equal(_nodes.PublicBase.Port, playUrl.Port);
        await using var store = await _nodes.OpenStoreAsync();
        var ulawFile = await store.ExecuteScalarAsync<string>("SELECT ulaw_file FROM playbook_audio") ?? "";
        Assert.False(File.Exists(Path.Combine(_nodes.Other!.DataDir, ulawFile)), "the other node has no file of the prompt yet");

        using var anonymous = new HttpClient();
        using var atOther = await anonymous.GetAsync(playUrl);
        using var atPlacing = await _nodes.Placing.Client().GetAsync(playUrl.PathAndQuery);

        Assert.Equal(200, (int)atOther.StatusCode);
        Assert.Equal("audio/wav", atOther.Content.Headers.ContentType!.MediaType);
        var served = await atOther.Content.ReadAsByteArrayAsync();
        Assert.Equal(44 + 24_000, served.Length); // 1.5 s at 8 kHz, 16-bit PCM
        Assert.Equal(await atPlacing.Content.ReadAsByteArrayAsync(), served);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(_nodes.Placing.DataDir, ulawFile)), await File.ReadAllBytesAsync(Path.Combine(_nodes.Other.DataDir, ulawFile)));

        using var forged = await anonymous.GetAsync(playUrl.AbsoluteUri[..^10] + "AAAAAA.wav");
        Assert.Equal(404, (int)forged.StatusCode);
        Assert.Equal(204, await placed.MoveAsync("completed"));
        await _nodes.WaitForAsync(callId, c => c.IsFinal);
        using var afterwards = await anonymous.GetAsync(playUrl);
        Assert.Equal(404, (int)afterwards.StatusCode);
    }
}
