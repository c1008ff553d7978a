namespace Cualify.Appliance.Core.Calls;

/// <summary>The <c>call.*</c> events; each carries the call as <see cref="CallView"/> after the change.</summary>
public static class CallEvents
{
    public const string Queued = "call.queued";
    public const string Answered = "call.answered";

    /// <summary>An answered call ended; <c>data.outcome</c> and <c>data.duration_sec</c> say how.</summary>
    public const string Completed = "call.completed";

    /// <summary>A call ended without being answered: <c>data.status</c> is failed, no_answer, busy or canceled.</summary>
    public const string Failed = "call.failed";
}

/// <summary>What an answered call came to, in <c>outcome</c>. Unanswered calls carry their final status there.</summary>
public static class CallOutcomes
{
    public const string Answered = "answered";
    public const string Handoff = "handoff";
    public const string OptedOut = "opted_out";
    public const string Voicemail = "voicemail";
}

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
