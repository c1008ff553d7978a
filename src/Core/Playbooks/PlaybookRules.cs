using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Playbooks;

/// <summary>What a valid playbook looks like; every failure names its field in one validation failure.</summary>
public static partial class PlaybookRules
{
    public const string VoicemailHangup = "hangup";
    public const string VoicemailLeaveMessage = "leave_message";
    public const string ActionHandoff = "handoff";
    public const string ActionOptOut = "opt_out";
    public const string DefaultLanguage = "en-IN";
    public const int DefaultMaxDurationSec = 600;
    public const int MaxDurationLimitSec = 86_400;

    public static readonly IReadOnlyList<string> VoicemailModes = [VoicemailHangup, VoicemailLeaveMessage];
    public static readonly IReadOnlyList<string> DtmfActions = [ActionHandoff, ActionOptOut];

    public static void Check(PlaybookInput input, bool creating, IReadOnlyCollection<string>? allowWsHosts = null)
    {
        var errors = new FieldErrors();
        if (creating || input.Name is not null)
        {
            if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Trim().Length > 200)
            {
                errors.Add("name", "name is required: 1 to 200 characters");
            }
        }

        if (input.Language is not null && !IsLanguage(input.Language))
        {
            errors.Add("language", "language must be a BCP 47 tag such as hi-IN or en-US");
        }

        if (input.Voice is not null && (input.Voice.Length > 100 || !VoicePattern().IsMatch(input.Voice)))
        {
            errors.Add("voice", "voice must name a text-to-speech voice such as en-us, hi or gmw/en-US");
        }

        if (input.MaxDurationSec is < 1 or > MaxDurationLimitSec)
        {
            errors.Add("max_duration_sec", $"max_duration_sec must be from 1 to {MaxDurationLimitSec}");
        }

        CheckLength(errors, "disclosure_text", input.DisclosureText, 5_000);
        CheckLength(errors, "message_text", input.MessageText, 20_000);
        foreach (var (digit, action) in input.Dtmf ?? new Dictionary<string, string>())
        {
            if (!DigitPattern().IsMatch(digit))
            {
                errors.Add("dtmf", $"dtmf key '{digit}' must be one digit: 0-9, * or #");
            }
            else if (!DtmfActions.Contains(action))
            {
                errors.Add("dtmf", $"dtmf['{digit}'] must be one of {string.Join(", ", DtmfActions)}");
            }
        }

        if (input.HandoffTarget is not null && !IsHandoffTarget(input.HandoffTarget))
        {
            errors.Add("handoff_target", $"handoff_target must be an E.164 number (e.g. {PhoneNumberRules.Example}) or a sip: URI");
        }

        if (input.Voicemail is not null && !VoicemailModes.Contains(input.Voicemail))
        {
            errors.Add("voicemail", "voicemail must be hangup or leave_message");
        }

        if (input.Agent is { } agent)
        {
            AgentStreamRules.Check(errors, agent, allowWsHosts ?? []);
        }

        errors.ThrowIfAny();
    }

    /// <summary>An E.164 number is normalised; a SIP URI is kept as given.</summary>
    public static string? NormalizeHandoffTarget(string? target) =>
        target is null ? null : PhoneNumberRules.ToE164(target) ?? target.Trim();

    public static bool IsLanguage(string value) => value.Length <= 35 && LanguagePattern().IsMatch(value);

    public static bool IsHandoffTarget(string value) =>
        PhoneNumberRules.ToE164(value) is not null || SipUriPattern().IsMatch(value.Trim());

    private static void CheckLength(FieldErrors errors, string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            errors.Add(field, $"{field} must be at most {max} characters");
        }
    }

    [GeneratedRegex(@"^[0-9*#]$")]
    private static partial Regex DigitPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_/+.-]*$")]
    private static partial Regex VoicePattern();

    [GeneratedRegex(@"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    private static partial Regex LanguagePattern();

    [GeneratedRegex(@"^sips?:[^\s@]+@[^\s@]+$|^sips?:[^\s@]+$", RegexOptions.IgnoreCase)]
    private static partial Regex SipUriPattern();
}
