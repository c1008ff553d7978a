using Cualify.Appliance.Core.Health;
using Microsoft.Extensions.Options;
using Polly.Timeout;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// <c>doctor</c>'s <c>twilio</c> line (registered only when <c>Dialer:Provider</c> is <c>twilio</c>): fetches the
/// account resource with the configured credentials, which changes nothing on the account.
/// </summary>
public sealed class TwilioCredentialsDoctorCheck(TwilioClient client, IOptions<TwilioOptions> options) : IDoctorCheck
{
    public string Name => "twilio";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            var account = await client.FetchAccountAsync(cancellationToken);
            return account.Status?.ToString() is null or "active"
                ? DoctorResult.Ok($"the credentials work; account {account.Sid} ({account.FriendlyName}) is active")
                : DoctorResult.Fail($"the credentials work, but account {account.Sid} is {account.Status}, so calls will fail",
                    "reactivate the account (or add funds) in the Twilio Console, or point Dialer:Twilio:AccountSid at an active account");
        }
        catch (TwilioApiException ex) when (ex.HttpStatus is 401 or 403)
        {
            return DoctorResult.Fail($"Twilio refused the credentials (HTTP {ex.HttpStatus})",
                "copy the Account SID and Auth Token from the Twilio Console into Dialer:Twilio:AccountSid and Dialer:Twilio:AuthToken (or CUALIFY__Dialer__Twilio__AuthToken)");
        }
        catch (TwilioApiException ex) when (ex.HttpStatus == 404)
        {
            return DoctorResult.Fail("Twilio has no account with that SID (HTTP 404)", "check Dialer:Twilio:AccountSid against the Twilio Console");
        }
        catch (TwilioApiException ex)
        {
            return DoctorResult.Fail($"Twilio answered HTTP {ex.HttpStatus} for the account", "try again later; if it persists, see status.twilio.com");
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException)
        {
            return DoctorResult.Fail($"Twilio could not be reached at {options.Value.ApiBaseUrl} ({ex.GetType().Name}: {ex.Message})",
                "check this machine's outbound HTTPS access and Dialer:Twilio:ApiBaseUrl (leave it unset for the real Twilio)");
        }
    }
}
