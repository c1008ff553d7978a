using System.Net.Sockets;
using System.Text;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>
/// The public Twilio endpoints (no API key, signature checked) against hostile unsigned forms, through the real
/// pipeline: each answer is a 400/413 in the error envelope, never a 500, and a normal-sized unsigned or tampered
/// form is still refused as <c>invalid_signature</c>.
/// </summary>
public sealed class TwilioCallbackFormTests : IAsyncLifetime
{
    private const string Call = "0190a000-0000-7000-8000-000000000001";
    private RunningAppliance _appliance = null!;
    private HttpClient _client = null!;

    public static TheoryData<string> Endpoints => new() { "status", "gather", "twiml", "machine" };

    public async Task InitializeAsync()
    {
        var port = FreePort();
        _appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Api:Urls"] = $"http://127.0.0.1:{port}",
            ["Api:PublicBaseUrl"] = $"http://127.0.0.1:{port}/",
            ["Dialer:Twilio:AuthToken"] = "f00dfeedf00dfeedf00dfeedf00dfeed",
        });
        _client = _appliance.Client();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _appliance.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_5_mb_value_is_413_before_anything_is_computed(string endpoint)
    {
        var body = "CallSid=CA1&Digits=" + new string('9', 5 * 1024 * 1024);

        var response = await PostAsync(endpoint, body, signature: "bogus");

        await response.ExpectErrorAsync(413, "invalid_request");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_form_over_the_limit_sent_chunked_without_a_length_is_413_too(string endpoint)
    {
        // Big enough to pass the limit, small enough to be sent whole before the server answers and closes.
        var content = new StreamContent(new MemoryStream(Encoding.ASCII.GetBytes("Digits=" + new string('9', 200 * 1024))));
        content.Headers.ContentType = new("application/x-www-form-urlencoded");
        using var request = new HttpRequestMessage(HttpMethod.Post, Path(endpoint)) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var response = await _client.SendAsync(request);

        await response.ExpectErrorAsync(413, "invalid_request");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Two_thousand_fields_are_400(string endpoint)
    {
        var body = string.Join('&', Enumerable.Range(0, 2_000).Select(i => $"f{i}=v"));

        var response = await PostAsync(endpoint, body, signature: null);

        var error = await response.ExpectErrorAsync(400, "invalid_request");
        Assert.Contains("fields", (string?)error["message"]);
    }

    [Fact]
    public async Task A_value_longer_than_any_twilio_sends_is_400()
    {
        var response = await PostAsync("gather", "Digits=" + new string('1', 20_000), signature: null);

        await response.ExpectErrorAsync(400, "invalid_request");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task An_ordinary_form_unsigned_or_tampered_is_still_403(string endpoint)
    {
        await (await PostAsync(endpoint, "CallSid=CA1&CallStatus=completed", signature: null)).ExpectErrorAsync(403, "forbidden");
        await (await PostAsync(endpoint, "CallSid=CA1&CallStatus=completed", signature: "GvWf1cFY/Q7PnoempGyD5oXAezc=")).ExpectErrorAsync(403, "forbidden");
    }

    private async Task<HttpResponseMessage> PostAsync(string endpoint, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Path(endpoint))
        {
            Content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded"),
        };
        if (signature is not null)
        {
            request.Headers.Add("X-Twilio-Signature", signature);
        }

        return await _client.SendAsync(request);
    }

    private static string Path(string endpoint) => $"/api/v1/providers/twilio/calls/{Call}/{endpoint}";

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
