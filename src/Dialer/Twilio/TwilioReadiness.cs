using Cualify.Appliance.Core.Health;
using Polly.Timeout;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// <c>twilio</c> in <c>/readyz</c> (doctor has <see cref="TwilioCredentialsDoctorCheck"/>): fetches the account with the configured credentials and says in
/// plain words whether they work and the account is active.
/// </summary>
public sealed class TwilioReadiness(TwilioClient client) : IReadinessCheck
{
    public string Name => "twilio";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var account = await client.FetchAccountAsync(cancellationToken);
            return account.Status?.ToString() is null or "active"
                ? ReadinessResult.Ok($"Twilio account {account.Sid} ({account.FriendlyName}) is active")
                : ReadinessResult.Failed($"Twilio account {account.Sid} is {account.Status}; calls will fail until it is active again");
        }
        catch (TwilioApiException ex) when (ex.HttpStatus is 401 or 403)
        {
            return ReadinessResult.Failed($"Twilio refused the credentials (HTTP {ex.HttpStatus}); check Dialer:Twilio:AccountSid and Dialer:Twilio:AuthToken");
        }
        catch (TwilioApiException ex) when (ex.HttpStatus == 404)
        {
            return ReadinessResult.Failed("Twilio has no account with the SID in Dialer:Twilio:AccountSid");
        }
        catch (TwilioApiException ex)
        {
            return ReadinessResult.Failed($"Twilio answered HTTP {ex.HttpStatus} for the account; try again later");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            return ReadinessResult.Failed($"Twilio could not be reached at Dialer:Twilio:ApiBaseUrl ({ex.GetType().Name}: {ex.Message})");
        }
    }
}
