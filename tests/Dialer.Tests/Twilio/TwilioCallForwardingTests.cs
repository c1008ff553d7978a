using System.Xml.Linq;
using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// Twilio's requests for a call reach a node that did not place it (SPEC §9): that node passes them on to the node
/// dialing the call and relays its answer, so the call goes on and ends as it does on one node.
/// </summary>
public sealed class TwilioCallForwardingTests : IAsyncLifetime
{
    private TwoTwilioNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await TwoTwilioNodes.StartAsync();

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task Pressing_1_at_the_other_node_gets_the_placing_nodes_handoff_and_the_call_ends_as_a_handoff()
    {
        var (callId, placed) = await _nodes.PlaceAsync();
        Assert.StartsWith(_nodes.PublicBase.ToString(), placed.StatusCallback);

        Assert.Equal(204, await placed.MoveAsync("ringing"));
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        var (status, body) = await placed.GatherAsync("1");
        Assert.Equal(204, await placed.MoveAsync("completed"));

        Assert.Equal(200, status);
        var dial = XDocument.Parse(body).Root!.Element("Dial");
        Assert.True(dial is not null, $"the placing node's handoff, not a hang-up from the other node: {body}");
        Assert.Equal("+918012345678", dial.Element("Number")!.Value);
        var call = await _nodes.WaitForAsync(callId, c => c.IsFinal);
        Assert.Equal((CallStatus.Completed, "handoff"), (call.Status, call.EndReason));
        Assert.True(call.CreditsDebitedPaise > 0, "the call is billed");
    }

    [Fact]
    public async Task A_machine_reported_to_the_other_node_is_hung_up_on_by_the_placing_node()
    {
        var (callId, placed) = await _nodes.PlaceAsync();
        Assert.Equal(204, await placed.MoveAsync("in-progress"));

        Assert.Equal(204, await placed.MachineDetectedAsync("machine_start"));
        await _nodes.Twilio.SettleAsync();

        Assert.Equal("completed", placed.Status);
        var call = await _nodes.WaitForAsync(callId, c => c.IsFinal);
        Assert.Equal((CallStatus.Completed, "voicemail"), (call.Status, call.EndReason));
    }

    [Fact]
    public async Task A_playbook_too_long_for_inline_twiml_is_fetched_through_the_other_node()
    {
        var message = string.Join(' ', Enumerable.Range(0, 1_500).Select(i => $"word{i}"));
        var (callId, placed) = await _nodes.PlaceAsync(new
        {
            name = "long", language = "en-IN", message_text = message, dtmf = new Dictionary<string, string> { ["9"] = "opt_out" },
        });
        Assert.False(placed.Form.ContainsKey("Twiml"));
        var parameters = placed.CommonParameters();
        parameters["CallStatus"] = "in-progress";

        var (status, body) = await placed.PostSignedAsync(placed.Form["Url"][0], parameters);
        Assert.Equal(204, await placed.MoveAsync("completed"));

        Assert.Equal(200, status);
        var said = XDocument.Parse(body).Root!.Element("Gather")?.Elements("Say").Select(s => s.Value) ?? [];
        Assert.Equal(message, string.Join(' ', said));
        Assert.Equal(CallStatus.Completed, (await _nodes.WaitForAsync(callId, c => c.IsFinal)).Status);
    }

    [Fact]
    public async Task When_the_placing_node_cannot_be_reached_the_gather_hangs_up_and_the_status_callback_settles_the_call()
    {
        var (callId, placed) = await _nodes.PlaceAsync();
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        // The call now belongs to a node that heartbeats but whose address answers nothing.
        await using (var store = await _nodes.OpenStoreAsync())
        {
            await store.ExecuteAsync("""
                INSERT INTO nodes (id, started_at, heartbeat_at, url)
                SELECT 'node_unreachable', n.started_at, n.heartbeat_at, @url FROM nodes n JOIN calls c ON c.node_id = n.id WHERE c.id = @callId
                """, new { url = $"http://127.0.0.1:{FreePorts.Tcp()}/", callId });
            Assert.Equal(1, await store.ExecuteAsync("UPDATE calls SET node_id = 'node_unreachable' WHERE id = @callId", new { callId }));
        }

        var (status, body) = await placed.GatherAsync("1");
        placed.Duration = 12;
        Assert.Equal(204, await placed.MoveAsync("completed"));

        Assert.Equal(200, status);
        Assert.Equal(["Hangup"], XDocument.Parse(body).Root!.Elements().Select(e => e.Name.LocalName));
        var call = await _nodes.WaitForAsync(callId, c => c.IsFinal);
        Assert.Equal((CallStatus.Completed, 12), (call.Status, call.DurationSec));
    }

    [Fact]
    public async Task A_bad_signature_is_refused_before_and_after_the_hop_and_a_forwarded_request_is_never_passed_on_again()
    {
        var (callId, placed) = await _nodes.PlaceAsync();
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        var gather = (string)placed.TwimlDocument.Root!.Element("Gather")!.Attribute("action")!;
        var parameters = placed.CommonParameters();
        parameters["Digits"] = "1";
        var forged = FakeTwilioCall.Sign("not-the-token", gather, parameters);
        var signed = FakeTwilioCall.Sign(_nodes.Twilio.AuthToken, gather, parameters);
        var atPlacingNode = new Uri(_nodes.Placing.BaseAddress, new Uri(gather).PathAndQuery);

        var atOther = await _nodes.Twilio.PostCallbackAsync(gather, parameters, forged);
        var forwardedForged = await PostAsync(atPlacingNode, parameters, forged, forwardedBy: "node_other");
        var forwardedAgain = await PostAsync(new Uri(gather), parameters, signed, forwardedBy: "node_other");

        Assert.Equal(403, atOther.Status);
        Assert.Equal(403, forwardedForged.Status);
        foreach (var body in new[] { atOther.Body, forwardedForged.Body })
        {
            Assert.Equal("invalid_signature", (string?)System.Text.Json.Nodes.JsonNode.Parse(body)!["error"]!["details"]!["reason"]);
        }

        // Marked as forwarded, the request is answered by the other node itself: a hang-up, not the handoff.
        Assert.Equal(200, forwardedAgain.Status);
        Assert.Equal(["Hangup"], XDocument.Parse(forwardedAgain.Body).Root!.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(CallStatus.InProgress, (await _nodes.CallAsync(callId))!.Status);
        Assert.Equal(204, await placed.MoveAsync("completed"));
        Assert.Equal("remote_hangup", (await _nodes.WaitForAsync(callId, c => c.IsFinal)).EndReason);
    }

    private static async Task<(int Status, string Body)> PostAsync(Uri url, Dictionary<string, string> parameters, string signature, string forwardedBy)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(parameters) };
        request.Headers.Add(TwilioSignature.Header, signature);
        request.Headers.Add(TwilioCallForwarding.Header, forwardedBy);
        using var response = await http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

public sealed class ClusterNodeUrlStartupTests
{
    [Fact]
    public async Task A_node_url_that_is_no_http_address_stops_start_up_and_names_the_setting()
    {
        var settings = new Dictionary<string, string?> { ["Store:Provider"] = "postgres", ["Cluster:NodeUrl"] = "10.0.0.5:8080" };

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => RunningAppliance.StartAsync(settings: settings));

        Assert.Contains("Cluster:NodeUrl must be", error.Message);
    }
}
