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

    /// <summary>An analysis was posted after the call ended (one posted before the end rides on <c>call.completed</c>).</summary>
    public const string Analyzed = "call.analyzed";
}
