namespace Cualify.Appliance.Core.Calls;

/// <summary>The stable <c>end_reason</c> values the dialer itself sets (providers add their own, such as <c>busy</c>).</summary>
public static class CallEndReasons
{
    public const string RemoteHangup = "remote_hangup";
    public const string MaxDurationReached = "max_duration_reached";
    public const string CreditsExhausted = "credits_exhausted";
    public const string Canceled = "canceled";
    public const string OptedOut = "opted_out";
    public const string NoConsent = "no_consent";
    public const string NoActivePlan = "no_active_plan";
    public const string InsufficientCredits = "insufficient_credits";
    public const string AgentDeleted = "agent_deleted";
    public const string ContactErased = "contact_erased";
    public const string NoAnswer = "no_answer";
    public const string ApplianceRestart = "appliance_restart";
    public const string ApplianceShutdown = "appliance_shutdown";
    public const string ProviderError = "provider_error";
    public const string ProviderUnresponsive = "provider_unresponsive";
    public const string Handoff = "handoff";
    public const string Voicemail = "voicemail";
}
