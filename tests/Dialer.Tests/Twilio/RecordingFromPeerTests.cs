using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Testing;
using Dapper;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// A recording is a file in the data folder of the node that downloaded it (SPEC §9); asked for at another node —
/// by the call with a key, with a Range, or by its public link — it is fetched from that node and served the same.
/// </summary>
public sealed partial class RecordingFromPeerTests : IAsyncLifetime
{
    private TwoTwilioNodes _nodes = null!;

    public async Task InitializeAsync() => _nodes = await TwoTwilioNodes.StartAsync(settings => settings["Dialer:Twilio:RecordingPollInterval"] = "00:00:00.200");

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_recording_on_one_node_is_served_by_the_other_until_its_node_stops()
    {
        var (callId, holder, asker) = await RecordedCallAsync(seconds: 3);
        using var atHolder = holder.Client(_nodes.Placing.AdminKey);
        using var atAsker = asker.Client(_nodes.Placing.AdminKey);
        var path = $"/api/v1/calls/{callId}/recording";

        var original = await atHolder.GetByteArrayAsync(path);
        using var relayed = await atAsker.GetAsync(path);
        using var range = new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Range = new RangeHeaderValue(44, 143) } };
        using var partial = await atAsker.SendAsync(range);
        var link = (string)(await (await atAsker.GetAsync($"/api/v1/calls/{callId}")).ExpectAsync(200))["data"]!["recording_url"]!;
        using var anonymous = asker.Client();
        using var byLink = await anonymous.GetAsync(new Uri(link).PathAndQuery);
        using var unauthenticated = await anonymous.GetAsync(path);

        Assert.Equal(200, (int)relayed.StatusCode);
        Assert.Equal("audio/wav", relayed.Content.Headers.ContentType!.MediaType);
        Assert.Equal(original, await relayed.Content.ReadAsByteArrayAsync());
        Assert.Equal(206, (int)partial.StatusCode);
        Assert.Equal($"bytes 44-143/{original.Length}", partial.Content.Headers.ContentRange!.ToString());
        Assert.Equal(original[44..144], await partial.Content.ReadAsByteArrayAsync());
        Assert.Equal(200, (int)byLink.StatusCode);
        Assert.Equal(original, await byLink.Content.ReadAsByteArrayAsync());
        Assert.Equal(401, (int)unauthenticated.StatusCode);

        await holder.StopAsync();
        using var holderGone = await atAsker.GetAsync(path);
        await holderGone.ExpectErrorAsync(404, "not_found");
    }

    [Fact]
    public async Task A_key_allowed_only_from_its_own_address_gets_a_recording_held_by_the_other_node()
    {
        var (callId, holder, asker) = await RecordedCallAsync(seconds: 2);
        using var admin = asker.Client(_nodes.Placing.AdminKey);
        var original = await holder.Client(_nodes.Placing.AdminKey).GetByteArrayAsync($"/api/v1/calls/{callId}/recording");
        var office = (string)(await (await admin.PostJsonAsync("/api/v1/api-keys",
            new { name = "office", scope = "read", ip_allowlist = new[] { "127.0.0.2" } })).ExpectAsync(201))["key"]!;

        // The caller is at 127.0.0.2; the nodes talk to each other from 127.0.0.1, which the key does not allow.
        using var fromOffice = From(IPAddress.Parse("127.0.0.2"), asker, office);
        using var relayed = await fromOffice.GetAsync($"/api/v1/calls/{callId}/recording");
        using var fromElsewhere = asker.Client(office);
        using var refused = await fromElsewhere.GetAsync($"/api/v1/calls/{callId}/recording");

        Assert.Equal(200, (int)relayed.StatusCode);
        Assert.Equal(original, await relayed.Content.ReadAsByteArrayAsync());
        await refused.ExpectErrorAsync(403, "forbidden");
    }

    [Fact]
    public async Task The_nodes_internal_recording_path_answers_only_a_fresh_signature_of_a_node_of_the_store()
    {
        var (callId, holder, _) = await RecordedCallAsync(seconds: 1);
        var orgId = await OrgOfAsync(callId);
        var path = RecordingFromPeer.PathOf(orgId, callId);
        using var anyone = holder.Client(_nodes.Placing.AdminKey);
        var signer = holder.Get<NodeRequestSigner>();

        using var unsigned = await anyone.GetAsync(path);
        using var forged = await anyone.SendAsync(Signed(path, $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.AAAA.{holder.Get<ClusterNode>().Id}"));
        using var otherPath = await anyone.SendAsync(Signed(RecordingFromPeer.PathOf(orgId, "call_other"), signer.Sign("GET", path)));
        using var signedRequest = await anyone.SendAsync(Signed(path, signer.Sign("GET", path)));

        await unsigned.ExpectErrorAsync(401, "unauthorized");
        await forged.ExpectErrorAsync(401, "unauthorized");
        await otherPath.ExpectErrorAsync(401, "unauthorized");
        Assert.Equal(200, (int)signedRequest.StatusCode);
        Assert.Equal("audio/wav", signedRequest.Content.Headers.ContentType!.MediaType);
    }

    private static HttpRequestMessage Signed(string path, string signature) =>
        new(HttpMethod.Get, path) { Headers = { { NodeRequestSigner.Header, signature } } };

    private async Task<string> OrgOfAsync(string callId)
    {
        await using var store = await _nodes.OpenStoreAsync();
        return await store.ExecuteScalarAsync<string>("SELECT org_id FROM calls WHERE id = @callId", new { callId }) ?? "";
    }

    /// <summary>A client of <paramref name="node"/> whose connections leave from <paramref name="local"/> (any 127/8 address is this host).</summary>
    private static HttpClient From(IPAddress local, RunningAppliance node, string key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(local.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = node.BaseAddress, DefaultRequestHeaders = { { "Authorization", $"Bearer {key}" } } };
    }

    [Fact]
    public async Task A_console_session_signed_in_at_one_node_holds_at_the_other_and_its_player_plays_a_recording_from_either()
    {
        var (callId, holder, other) = await RecordedCallAsync(seconds: 2);
        using var atHolderApi = holder.Client(_nodes.Placing.AdminKey);
        var original = await atHolderApi.GetByteArrayAsync($"/api/v1/calls/{callId}/recording");

        // Both nodes are 127.0.0.1, so one cookie jar is one browser behind a load balancer that alternates.
        var browser = new CookieContainer();
        using var toHolder = Browser(holder, browser);
        using var toOther = Browser(other, browser);
        var token = TokenField().Match(await toHolder.GetStringAsync("/console/signin")).Groups["token"].Value;
        using var signIn = await toOther.PostAsync("/console/session", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", token), new("api_key", _nodes.Placing.AdminKey!)]));
        Assert.Equal(HttpStatusCode.SeeOther, signIn.StatusCode);
        Assert.DoesNotContain("signin", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);

        using var callsAtHolder = await toHolder.GetAsync("/console/calls");
        Assert.Equal(HttpStatusCode.OK, callsAtHolder.StatusCode);
        foreach (var node in new[] { toOther, toHolder })
        {
            using var played = await node.GetAsync($"/console/calls/{callId}/recording");
            Assert.Equal(HttpStatusCode.OK, played.StatusCode);
            Assert.Equal(original, await played.Content.ReadAsByteArrayAsync());
        }

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/console/calls/{callId}/recording") { Headers = { Range = new RangeHeaderValue(44, 99) } };
        using var partial = await toOther.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(original[44..100], await partial.Content.ReadAsByteArrayAsync());
        await using (var store = await _nodes.OpenStoreAsync())
        {
            var ring = (await store.QueryAsync<string>("SELECT xml FROM console_keys")).ToList();
            Assert.Single(ring);
            Assert.Contains("SealedXmlDecryptor", ring[0], StringComparison.Ordinal);
            Assert.DoesNotContain("<value>", ring[0], StringComparison.Ordinal);
        }

        using var stranger = Browser(other, new CookieContainer());
        using var refused = await stranger.GetAsync($"/console/calls/{callId}/recording");
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
    }

    private static HttpClient Browser(RunningAppliance node, CookieContainer cookies) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies, UseCookies = true }) { BaseAddress = node.BaseAddress };

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex TokenField();

    [Fact]
    public async Task Erasing_the_contact_at_one_node_deletes_the_recording_file_in_the_other_nodes_folder()
    {
        var (callId, holder, eraser) = await RecordedCallAsync(seconds: 2);
        await using (var store = await _nodes.OpenStoreAsync())
        {
            var file = Path.Combine(holder.DataDir, await store.ExecuteScalarAsync<string>("SELECT file FROM recordings WHERE call_id = @callId", new { callId }) ?? "");
            Assert.True(File.Exists(file), "the holder has the file before the erasure");
            var contactId = await store.ExecuteScalarAsync<string>("SELECT id FROM contacts WHERE phone_e164 = @phone", new { phone = TwoTwilioNodes.Callee });

            using var admin = eraser.Client(_nodes.Placing.AdminKey);
            Assert.True((await admin.DeleteAsync($"/api/v1/contacts/{contactId}")).IsSuccessStatusCode);

            Assert.Equal(0, await store.ExecuteScalarAsync<long>("SELECT count(*) FROM recordings WHERE call_id = @callId", new { callId }));
            // Told through the store's wake-up, the holder deletes the file well before its one-minute poll.
            await WaitUntilAsync(() => Task.FromResult(!File.Exists(file)), "the recording file on the node that holds it is deleted");
            await WaitUntilAsync(async () => await store.ExecuteScalarAsync<long>("SELECT count(*) FROM recording_file_removals") == 0, "the queued removal is done");
        }

        using var gone = await eraser.Client(_nodes.Placing.AdminKey).GetAsync($"/api/v1/calls/{callId}/recording");
        await gone.ExpectErrorAsync(404, "not_found");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> done, string what)
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!await done())
        {
            Assert.True(DateTimeOffset.UtcNow < until, what);
            await Task.Delay(100);
        }
    }

    /// <summary>A recorded call placed and completed, its recording downloaded by one of the nodes: that node, and the other.</summary>
    private async Task<(string CallId, RunningAppliance Holder, RunningAppliance Other)> RecordedCallAsync(int seconds)
    {
        var (callId, placed) = await _nodes.PlaceAsync(new
        {
            name = "Recorded", language = "en-IN", message_text = "Your policy renews next week.", dtmf = new Dictionary<string, string>(), record = true,
        });
        Assert.Equal(204, await placed.MoveAsync("in-progress"));
        placed.Duration = seconds;
        placed.Record(WavFixtures.Tone(8000, 16, 2, seconds));
        Assert.Equal(204, await placed.MoveAsync("completed"));
        Assert.Equal(204, (await placed.RecordingCompletedAsync()).Status);
        var holderId = await RecordingNodeAsync(callId);
        var holder = _nodes.Placing.Get<ClusterNode>().Id == holderId ? _nodes.Placing : _nodes.Other!;
        return (callId, holder, holder == _nodes.Placing ? _nodes.Other! : _nodes.Placing);
    }

    /// <summary>The node whose data folder took the downloaded recording, once one has.</summary>
    private async Task<string> RecordingNodeAsync(string callId)
    {
        await using var store = await _nodes.OpenStoreAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await store.ExecuteScalarAsync<string?>("SELECT node_id FROM recordings WHERE call_id = @callId", new { callId }) is { } node)
            {
                return node;
            }

            Assert.True(DateTimeOffset.UtcNow < until, "No node downloaded the recording");
            await Task.Delay(100);
        }
    }
}
