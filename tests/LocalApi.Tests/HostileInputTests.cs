using System.Net;
using System.Net.Sockets;
using System.Text;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>The hostile bodies and requests that once crashed an endpoint, each answered in the envelope naming the field.</summary>
public sealed class HostileInputTests
{
    [Fact]
    public async Task Duplicate_keys_are_refused_on_every_json_body_naming_the_key()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var playbook = await CreatePlaybookAsync(admin);

        var patched = await (await Send(admin, HttpMethod.Patch, $"/api/v1/playbooks/{playbook}", "{\"name\":\"a\",\"name\":\"b\"}")).ExpectErrorAsync(400, "invalid_request", "name");
        Assert.Contains("more than once", (string?)patched["message"]);
        await (await Send(admin, HttpMethod.Patch, "/api/v1/org", "{\"name\":\"a\",\"name\":\"b\"}")).ExpectErrorAsync(400, "invalid_request", "name");
        await (await Send(admin, HttpMethod.Post, "/api/v1/contacts",
            "{\"phone_e164\":\"+919812345678\",\"phone_e164\":\"+919812345679\",\"consent_capture\":\"manual\"}")).ExpectErrorAsync(400, "invalid_request", "phone_e164");
        await (await Send(admin, HttpMethod.Patch, $"/api/v1/playbooks/{playbook}", "{\"dtmf\":{\"1\":\"handoff\",\"1\":\"opt_out\"}}"))
            .ExpectErrorAsync(400, "invalid_request", "dtmf.1");

        // Nothing was half-applied: the playbook and org keep their names, no contact was made.
        Assert.Equal("renewals", (string?)(await (await admin.GetAsync($"/api/v1/playbooks/{playbook}")).ExpectAsync(200))["data"]!["name"]);
        Assert.Equal(0, (int)(await (await admin.GetAsync("/api/v1/contacts")).ExpectAsync(200))["pagination"]!["total"]!);
    }

    [Theory]
    [InlineData("\"\\ud800\"")]
    [InlineData("\"ok \\udfff\"")]
    [InlineData("\"\\udc00\\ud800\"")]
    public async Task Lone_surrogates_are_400_naming_the_field(string value)
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var playbook = await CreatePlaybookAsync(admin);

        var error = await (await Send(admin, HttpMethod.Patch, $"/api/v1/playbooks/{playbook}", $"{{\"name\":{value}}}")).ExpectErrorAsync(400, "invalid_request", "name");
        Assert.Contains("not valid text", (string?)error["message"]);
        await (await Send(admin, HttpMethod.Patch, "/api/v1/org", $"{{\"default_caller_id\":{value}}}")).ExpectErrorAsync(400, "invalid_request", "default_caller_id");
        await (await Send(admin, HttpMethod.Patch, "/api/v1/org", $"{{\"admin_emails\":[\"a@example.com\",{value}]}}")).ExpectErrorAsync(400, "invalid_request", "admin_emails[1]");
    }

    [Fact]
    public async Task A_nul_character_in_a_body_or_a_query_is_400_naming_the_field_and_nothing_is_stored()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var playbook = await CreatePlaybookAsync(admin);

        var error = await (await Send(admin, HttpMethod.Patch, $"/api/v1/playbooks/{playbook}", "{\"message_text\":\"Hello\\u0000there\"}"))
            .ExpectErrorAsync(400, "invalid_request", "message_text");
        Assert.Contains("NUL", (string?)error["message"]);
        await (await Send(admin, HttpMethod.Post, "/api/v1/contacts", "{\"phone_e164\":\"+919812345678\",\"name\":\"\\u0000\",\"consent_capture\":\"manual\"}"))
            .ExpectErrorAsync(400, "invalid_request", "name");
        await (await admin.GetAsync("/api/v1/contacts?search=%00")).ExpectErrorAsync(400, "invalid_request", "search");
        await (await admin.GetAsync("/api/v1/calls?agent_id=a%00b")).ExpectErrorAsync(400, "invalid_request", "agent_id");

        Assert.Equal(0, (int)(await (await admin.GetAsync("/api/v1/contacts")).ExpectAsync(200))["pagination"]!["total"]!);
    }

    [Fact]
    public async Task Invalid_utf8_is_400_naming_the_field()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var playbook = await CreatePlaybookAsync(admin);

        foreach (var bad in new byte[][] { [0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [(byte)'a', 0xe2, 0x82] })
        {
            byte[] body = [.. "{\"name\":\""u8, .. bad, .. "\"}"u8];
            await (await Send(admin, HttpMethod.Patch, $"/api/v1/playbooks/{playbook}", body)).ExpectErrorAsync(400, "invalid_request", "name");
            await (await Send(admin, HttpMethod.Patch, "/api/v1/org", body)).ExpectErrorAsync(400, "invalid_request", "name");
        }
    }

    [Fact]
    public async Task Deep_nesting_is_400_and_an_oversized_body_is_413()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();

        var deep = "{\"metadata\":" + string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 41);
        var error = await (await Send(admin, HttpMethod.Post, "/api/v1/contacts", deep)).ExpectErrorAsync(400, "invalid_request");
        Assert.Contains("nested more than 32 levels", (string?)error["message"]);
        Assert.StartsWith("metadata.a.a", (string?)error["param"]);

        var huge = "{\"phone_e164\":\"" + new string('9', 9 * 1024 * 1024) + "\"}";
        await (await Send(admin, HttpMethod.Post, "/api/v1/contacts", huge)).ExpectErrorAsync(413, "invalid_request");
    }

    [Fact]
    public async Task A_multipart_upload_without_a_boundary_or_with_a_cut_off_part_is_400()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var playbook = await CreatePlaybookAsync(admin);

        var noBoundary = await (await Send(admin, HttpMethod.Post, $"/api/v1/playbooks/{playbook}/audio",
            "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nRIFF\r\n--x--\r\n", "multipart/form-data"))
            .ExpectErrorAsync(400, "invalid_request", "file");
        Assert.Contains("multipart", (string?)noBoundary["message"]);
        await (await Send(admin, HttpMethod.Post, $"/api/v1/playbooks/{playbook}/audio",
            "--fz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF....WAVE", "multipart/form-data; boundary=fz"))
            .ExpectErrorAsync(400, "invalid_request", "file");
        await (await Send(admin, HttpMethod.Post, $"/api/v1/playbooks/{playbook}/audio", "--fz\r\nContent-Dispos", "multipart/form-data; boundary=fz"))
            .ExpectErrorAsync(400, "invalid_request", "file");
    }

    [Fact]
    public async Task A_too_long_url_and_too_large_headers_are_answered_in_the_envelope()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();

        var longUrl = await admin.GetAsync("/api/v1/contacts?search=" + new string('a', 9000));
        await longUrl.ExpectErrorAsync(414, "invalid_request");

        using var big = new HttpRequestMessage(HttpMethod.Get, "/api/v1/contacts");
        big.Headers.Add("X-Padding", new string('a', 40_000));
        await (await admin.SendAsync(big)).ExpectErrorAsync(431, "invalid_request");

        using var many = new HttpRequestMessage(HttpMethod.Get, "/api/v1/contacts");
        for (var i = 0; i < 150; i++)
        {
            many.Headers.Add($"X-Extra-{i}", "1");
        }

        await (await admin.SendAsync(many)).ExpectErrorAsync(431, "invalid_request");
    }

    /// <summary>
    /// A NUL in the decoded path and a malformed request line are refused by Kestrel before the app runs, so no
    /// envelope is possible; they still get a 400 and the connection is not left hanging.
    /// </summary>
    [Fact]
    public async Task What_kestrel_refuses_itself_is_a_plain_400_never_a_5xx()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        foreach (var head in new[]
        {
            "GET /api/v1/contacts/%00 HTTP/1.1", "GET /api/v1/con tacts HTTP/1.1", "GET /api/v1/contacts HTTP/1.1\r\nBad Header",
            "GET /api/v1/contacts HTTP/1.1\r\nContent-Length: abc",
        })
        {
            var answer = await RawAsync(appliance.BaseAddress, $"{head}\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            Assert.True(answer.StartsWith("HTTP/1.1 400", StringComparison.Ordinal), $"{head} -> {answer}");
        }
    }

    private static async Task<string> CreatePlaybookAsync(HttpClient admin)
    {
        var created = await (await admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "renewals", language = "en-IN", max_duration_sec = 60, disclosure_text = "This call is from Acme.", message_text = "Your policy renews soon.",
        })).ExpectAsync(201);
        return (string)created["data"]!["id"]!;
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string body, string contentType = "application/json") =>
        Send(client, method, path, Encoding.UTF8.GetBytes(body), contentType);

    private static Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, byte[] body, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return client.SendAsync(request);
    }

    private static async Task<string> RawAsync(Uri address, string request)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, address.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.Latin1);
        return await reader.ReadToEndAsync();
    }
}
