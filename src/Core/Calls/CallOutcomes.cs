namespace Cualify.Appliance.Core.Calls;

/// <summary>What an answered call came to, in <c>outcome</c>. Unanswered calls carry their final status there.</summary>
public static class CallOutcomes
{
    public const string Answered = "answered";
    public const string Handoff = "handoff";
    public const string OptedOut = "opted_out";
    public const string Voicemail = "voicemail";
}
