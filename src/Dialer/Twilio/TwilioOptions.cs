using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// The <c>Dialer:Twilio</c> section. The account SID and auth token may come from the environment
/// (<c>CUALIFY__Dialer__Twilio__AuthToken</c>) instead of a file; neither is ever logged.
/// </summary>
public sealed class TwilioOptions
{
    public const string Section = "Dialer:Twilio";
    public const string DefaultApiBaseUrl = "https://api.twilio.com";

    public string? AccountSid { get; set; }

    public string? AuthToken { get; set; }

    /// <summary>Where the REST API lives; tests and regional edges (<c>https://api.dublin.ie1.twilio.com</c>) point it elsewhere.</summary>
    public string ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>Calls created per second; Twilio grants an account 1 by default and queues anything faster.</summary>
    public double CallsPerSecond { get; set; } = 1;

    /// <summary>First wait between status polls when no public URL receives callbacks; grows up to <see cref="MaxPollInterval"/>.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>With callbacks, a slow safety poll still catches a callback that never arrived.</summary>
    public TimeSpan CallbackSafetyPollInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How soon after a recorded call ends its recording is looked for (the call's recordings listed) when no callback
    /// named it; later looks back off ×2 up to 5 minutes, for about two hours. With callbacks the first look waits
    /// <see cref="CallbackSafetyPollInterval"/>.
    /// </summary>
    public TimeSpan RecordingPollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Answering-machine detection (asynchronous, needs <c>Api:PublicBaseUrl</c>) to honour the playbook's
    /// <c>voicemail</c>: <c>hangup</c> hangs up on a machine, <c>leave_message</c> plays the message after the beep.
    /// Twilio bills it per call.
    /// </summary>
    public bool MachineDetection { get; set; } = true;

    /// <summary>How long one REST request may take before it is given up.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public Uri ApiBase => new(ApiBaseUrl.TrimEnd('/') + "/");
}

/// <summary>Checks <c>Dialer:Twilio</c> at start, but only when <c>Dialer:Provider</c> is <c>twilio</c>.</summary>
public sealed partial class TwilioOptionsValidator(IConfiguration configuration) : IValidateOptions<TwilioOptions>
{
    public ValidateOptionsResult Validate(string? name, TwilioOptions options)
    {
        if (!TwilioTelephonyProvider.IsSelected(configuration))
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.AccountSid))
        {
            failures.Add("Dialer:Twilio:AccountSid is required when Dialer:Provider is twilio (the AC… SID on the Twilio Console dashboard)");
        }
        else if (!AccountSidPattern().IsMatch(options.AccountSid))
        {
            failures.Add("Dialer:Twilio:AccountSid must be AC followed by 32 hex characters");
        }

        if (string.IsNullOrWhiteSpace(options.AuthToken))
        {
            failures.Add("Dialer:Twilio:AuthToken is required when Dialer:Provider is twilio (set it, or CUALIFY__Dialer__Twilio__AuthToken)");
        }
        else if (options.AuthToken.Trim().Length < 16)
        {
            failures.Add("Dialer:Twilio:AuthToken is too short to be a Twilio auth token");
        }

        if (!Uri.TryCreate(options.ApiBaseUrl, UriKind.Absolute, out var apiBase) || apiBase.Scheme is not ("https" or "http"))
        {
            failures.Add($"Dialer:Twilio:ApiBaseUrl must be an absolute https URL such as {TwilioOptions.DefaultApiBaseUrl}, not '{options.ApiBaseUrl}'");
        }

        if (double.IsNaN(options.CallsPerSecond) || options.CallsPerSecond <= 0 || options.CallsPerSecond > 1_000)
        {
            failures.Add($"Dialer:Twilio:CallsPerSecond must be above 0 and at most 1000, not {options.CallsPerSecond}");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.MaxPollInterval < options.PollInterval)
        {
            failures.Add("Dialer:Twilio:PollInterval must be at least 00:00:00.01 and no more than Dialer:Twilio:MaxPollInterval");
        }

        if (options.CallbackSafetyPollInterval < TimeSpan.FromMilliseconds(10))
        {
            failures.Add("Dialer:Twilio:CallbackSafetyPollInterval must be at least 00:00:00.01");
        }

        if (options.RecordingPollInterval < TimeSpan.FromMilliseconds(10) || options.RecordingPollInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Dialer:Twilio:RecordingPollInterval must be from 00:00:00.01 to 00:10:00, not {options.RecordingPollInterval}");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(2))
        {
            failures.Add($"Dialer:Twilio:RequestTimeout must be from 00:00:01 to 00:02:00, not {options.RequestTimeout}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();
}
