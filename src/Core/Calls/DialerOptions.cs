using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// Settings of the <c>Dialer</c> section that the call rules need (the providers bind their own
/// <c>Dialer:Sip</c>, <c>Dialer:Twilio</c> sub-sections). Validated at start; each message names its setting.
/// </summary>
public sealed class DialerOptions : IValidatableObject
{
    public const string Section = "Dialer";
    public static readonly IReadOnlyList<string> ProviderNames = ["simulator", "sip", "twilio"];
    public static readonly TimeSpan MinimumRingTimeout = TimeSpan.FromSeconds(15);

    /// <summary><c>simulator</c> (default), <c>sip</c> or <c>twilio</c>.</summary>
    public string Provider { get; set; } = "simulator";

    /// <summary>How long a call may ring before it is given up as <c>no_answer</c>; never below 15 s.</summary>
    public TimeSpan RingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The global cap of any call's duration.</summary>
    public TimeSpan MaxCallDuration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Calls live at once across all orgs.</summary>
    public int MaxConcurrentCalls { get; set; } = 50;

    /// <summary>New calls started per second across all orgs.</summary>
    public double CallsPerSecond { get; set; } = 10;

    /// <summary>
    /// The shortest call worth dialing: a call is accepted (and dialed) only when the balance pays for this much
    /// talk, or for the call's own maximum when that is shorter.
    /// </summary>
    public TimeSpan MinimumCallDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scheduler looks for work nobody signalled (a top-up, a changed setting).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often live calls are stamped as up; after a crash an answered call is billed up to its last stamp.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Most calls admitted in one store transaction.</summary>
    public int AdmissionBatchSize { get; set; } = 50;

    /// <summary>Hosts a playbook's <c>agent.stream_url</c> may reach over plain <c>ws://</c> (loopback always may).</summary>
    public string[] AgentStreamAllowWsHosts { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!ProviderNames.Contains(Provider))
        {
            yield return Fail($"Dialer:Provider must be one of {string.Join(", ", ProviderNames)}, not '{Provider}'", nameof(Provider));
        }

        if (RingTimeout < MinimumRingTimeout || RingTimeout > TimeSpan.FromMinutes(5))
        {
            yield return Fail($"Dialer:RingTimeout must be from 00:00:15 to 00:05:00, not {RingTimeout}", nameof(RingTimeout));
        }

        if (MaxCallDuration < TimeSpan.FromSeconds(1) || MaxCallDuration > TimeSpan.FromHours(24))
        {
            yield return Fail($"Dialer:MaxCallDuration must be from 00:00:01 to 1.00:00:00, not {MaxCallDuration}", nameof(MaxCallDuration));
        }

        if (MaxConcurrentCalls is < 1 or > 100_000)
        {
            yield return Fail($"Dialer:MaxConcurrentCalls must be from 1 to 100000, not {MaxConcurrentCalls}", nameof(MaxConcurrentCalls));
        }

        if (double.IsNaN(CallsPerSecond) || CallsPerSecond <= 0 || CallsPerSecond > 10_000)
        {
            yield return Fail($"Dialer:CallsPerSecond must be above 0 and at most 10000, not {CallsPerSecond}", nameof(CallsPerSecond));
        }

        if (MinimumCallDuration < TimeSpan.FromSeconds(1) || MinimumCallDuration > MaxCallDuration)
        {
            yield return Fail($"Dialer:MinimumCallDuration must be from 00:00:01 to Dialer:MaxCallDuration, not {MinimumCallDuration}", nameof(MinimumCallDuration));
        }

        if (PollInterval < TimeSpan.FromMilliseconds(100) || PollInterval > TimeSpan.FromMinutes(5))
        {
            yield return Fail($"Dialer:PollInterval must be from 00:00:00.1 to 00:05:00, not {PollInterval}", nameof(PollInterval));
        }

        if (HeartbeatInterval < TimeSpan.FromSeconds(1) || HeartbeatInterval > TimeSpan.FromMinutes(5))
        {
            yield return Fail($"Dialer:HeartbeatInterval must be from 00:00:01 to 00:05:00, not {HeartbeatInterval}", nameof(HeartbeatInterval));
        }

        if (AdmissionBatchSize is < 1 or > 1_000)
        {
            yield return Fail($"Dialer:AdmissionBatchSize must be from 1 to 1000, not {AdmissionBatchSize}", nameof(AdmissionBatchSize));
        }
    }

    public int MaxCallSeconds => (int)Math.Ceiling(MaxCallDuration.TotalSeconds);

    public int MinimumCallSeconds => (int)Math.Ceiling(MinimumCallDuration.TotalSeconds);

    private static ValidationResult Fail(string message, string member) => new(message, [member]);
}
