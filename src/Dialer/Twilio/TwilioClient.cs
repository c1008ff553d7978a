using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio's REST API (2010-04-01) over HttpClient: form-encoded requests, basic auth with the account SID and
/// auth token, JSON answers. A typed client of <c>IHttpClientFactory</c>; its resilience handler retries only
/// what cannot have placed a call twice (see <see cref="TwilioResilience"/>).
/// </summary>
/// <exception cref="TwilioApiException">Twilio answered with an error status (every method).</exception>
/// <exception cref="HttpRequestException">Twilio could not be reached (every method).</exception>
public sealed class TwilioClient(HttpClient http, IOptions<TwilioOptions> options)
{
    private string AccountPath => $"2010-04-01/Accounts/{Uri.EscapeDataString(options.Value.AccountSid ?? "")}";

    /// <summary><c>POST …/Calls.json</c>. Never retried after it may have reached Twilio.</summary>
    public async Task<TwilioCallResource> CreateCallAsync(IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{AccountPath}/Calls.json") { Content = new FormUrlEncodedContent(form) };
        request.Options.Set(TwilioResilience.CreatesCall, true);
        return await SendAsync<TwilioCallResource>(request, cancellationToken);
    }

    /// <summary><c>GET …/Calls/{sid}.json</c>.</summary>
    public async Task<TwilioCallResource> FetchCallAsync(string callSid, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{AccountPath}/Calls/{Uri.EscapeDataString(callSid)}.json");
        return await SendAsync<TwilioCallResource>(request, cancellationToken);
    }

    /// <summary><c>POST …/Calls/{sid}.json</c>: <c>Status=canceled|completed</c> or new <c>Twiml</c>; idempotent.</summary>
    public async Task<TwilioCallResource> UpdateCallAsync(string callSid, IEnumerable<KeyValuePair<string, string>> form, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{AccountPath}/Calls/{Uri.EscapeDataString(callSid)}.json") { Content = new FormUrlEncodedContent(form) };
        return await SendAsync<TwilioCallResource>(request, cancellationToken);
    }

    /// <summary><c>GET /2010-04-01/Accounts/{sid}.json</c>: do the credentials work, and is the account active?</summary>
    public async Task<TwilioAccountResource> FetchAccountAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{AccountPath}.json");
        return await SendAsync<TwilioAccountResource>(request, cancellationToken);
    }

    private async Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return await response.Content.ReadFromJsonAsync<T>(cancellationToken)
                   ?? throw new TwilioApiException((int)response.StatusCode, null, "an empty body");
        }

        throw await ErrorOfAsync(response, cancellationToken);
    }

    private static async Task<TwilioApiException> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var body = JsonSerializer.Deserialize<TwilioErrorBody>(text);
            if (body is not null && (body.Code is not null || body.Message is not null))
            {
                return new TwilioApiException(status, body.Code, body.Message ?? response.ReasonPhrase ?? "error");
            }
        }
        catch (JsonException)
        {
            // Not Twilio's JSON (a proxy's error page): the status says enough.
        }

        return new TwilioApiException(status, null, response.ReasonPhrase ?? "error");
    }
}
