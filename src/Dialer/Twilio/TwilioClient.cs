using System.Net.Http.Headers;
using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010;
using Twilio.Rest.Api.V2010.Account;
using CallRecording = Twilio.Rest.Api.V2010.Account.Call.RecordingResource;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Twilio's REST API through the SDK's <see cref="TwilioRestClient"/>, built on a typed client of
/// <c>IHttpClientFactory</c> whose handlers send it to <c>Dialer:Twilio:ApiBaseUrl</c> and retry only what cannot
/// have placed a call twice (see <see cref="TwilioResilience"/>). The SDK's exceptions become the two the provider
/// acts on: <see cref="TwilioApiException"/> for an answer, the transport's own exception for no answer.
/// </summary>
/// <exception cref="TwilioApiException">Twilio answered with an error status (every method).</exception>
/// <exception cref="HttpRequestException">Twilio could not be reached (every method).</exception>
public sealed class TwilioClient(System.Net.Http.HttpClient http, IOptions<TwilioOptions> options)
{
    private readonly Lazy<TwilioRestClient> _rest = new(() =>
        new TwilioRestClient(options.Value.AccountSid, options.Value.AuthToken, httpClient: new SystemNetHttpClient(http)));

    /// <summary>Creates a call. Never retried after it may have reached Twilio.</summary>
    public Task<CallResource> CreateCallAsync(CreateCallOptions call, CancellationToken cancellationToken) =>
        SendAsync(() => CallResource.CreateAsync(call, _rest.Value), cancellationToken);

    public Task<CallResource> FetchCallAsync(string callSid, CancellationToken cancellationToken) =>
        SendAsync(() => CallResource.FetchAsync(new FetchCallOptions(callSid), _rest.Value), cancellationToken);

    /// <summary>A new status (<c>canceled</c>, <c>completed</c>) or new TwiML for a live call; idempotent.</summary>
    public Task<CallResource> UpdateCallAsync(UpdateCallOptions update, CancellationToken cancellationToken) =>
        SendAsync(() => CallResource.UpdateAsync(update, _rest.Value), cancellationToken);

    /// <summary>The recordings of a call (<c>GET …/Calls/{CallSid}/Recordings.json</c>), newest first; one page is plenty.</summary>
    public async Task<IReadOnlyList<CallRecording>> ListCallRecordingsAsync(string callSid, CancellationToken cancellationToken)
    {
        var page = await SendAsync(() => CallRecording.ReadAsync(new global::Twilio.Rest.Api.V2010.Account.Call.ReadRecordingOptions(callSid) { PageSize = 20, Limit = 20 }, _rest.Value), cancellationToken);
        return [.. page];
    }

    /// <summary>
    /// Streams the media of a recording as WAV (<c>GET …/Recordings/{Sid}.wav</c>, basic auth) into <paramref name="copy"/>,
    /// through the same client and handlers as the SDK's requests.
    /// </summary>
    /// <exception cref="TwilioApiException">Twilio answered with an error status (404: the recording is gone).</exception>
    public async Task DownloadRecordingAsync(string recordingSid, Func<Stream, CancellationToken, Task> copy, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var uri = new Uri($"{TwilioOptions.DefaultApiBaseUrl}/2010-04-01/Accounts/{Uri.EscapeDataString(settings.AccountSid ?? "")}/Recordings/{Uri.EscapeDataString(recordingSid)}.wav");
        using var request = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Get, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.AccountSid}:{settings.AuthToken}")));
        using var response = await http.SendAsync(request, System.Net.Http.HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new TwilioApiException((int)response.StatusCode, null, $"the media of recording {recordingSid} could not be fetched");
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await copy(body, cancellationToken);
    }

    /// <summary>The account the credentials belong to: do they work, and is it active?</summary>
    public Task<AccountResource> FetchAccountAsync(CancellationToken cancellationToken) =>
        SendAsync(() => AccountResource.FetchAsync(options.Value.AccountSid, _rest.Value), cancellationToken);

    private static async Task<T> SendAsync<T>(Func<Task<T>> send, CancellationToken cancellationToken)
    {
        using var scope = TwilioRequestScope.Begin(cancellationToken);
        try
        {
            return await send();
        }
        catch (ApiConnectionException ex) when (ex.InnerException is { } transport)
        {
            // The SDK wraps whatever the HTTP stack threw (a refused connection, a timeout, a cancellation).
            ExceptionDispatchInfo.Throw(transport);
            throw;
        }
        catch (ApiException ex)
        {
            var status = ex.Status != 0 ? ex.Status : scope.LastStatus ?? 0;
            throw new TwilioApiException(status, ex.Code == 0 ? null : ex.Code, ex.Message);
        }
        catch (ApiStandardException ex)
        {
            throw new TwilioApiException(ex.Status != 0 ? ex.Status : scope.LastStatus ?? 0, ex.Code == 0 ? null : ex.Code, ex.Message);
        }
    }
}
