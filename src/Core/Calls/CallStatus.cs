namespace Cualify.Appliance.Core.Calls;

/// <summary>
/// The nine statuses of a call and the one rule they obey: a call only moves forward
/// (<c>queued → dialing → ringing → in_progress</c>) and ends in exactly one final status
/// (<c>completed</c>, <c>failed</c>, <c>no_answer</c>, <c>busy</c>, <c>canceled</c>). Only an answered call
/// completes, and an answered call is never <c>no_answer</c> or <c>busy</c>. The store enforces the same
/// rule with a trigger, and every move is a conditional update.
/// </summary>
public static class CallStatus
{
    public const string Queued = "queued";
    public const string Dialing = "dialing";
    public const string Ringing = "ringing";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string NoAnswer = "no_answer";
    public const string Busy = "busy";
    public const string Canceled = "canceled";

    public static readonly IReadOnlyList<string> All = [Queued, Dialing, Ringing, InProgress, Completed, Failed, NoAnswer, Busy, Canceled];

    public static readonly IReadOnlyList<string> Live = [Dialing, Ringing, InProgress];

    public static readonly IReadOnlyList<string> Final = [Completed, Failed, NoAnswer, Busy, Canceled];

    public static bool IsFinal(string status) => Final.Contains(status);

    public static bool IsLive(string status) => Live.Contains(status);

    /// <summary>Whether a call in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool CanMove(string from, string to)
    {
        if (!All.Contains(from) || !All.Contains(to) || IsFinal(from))
        {
            return false;
        }

        return to switch
        {
            Completed => from == InProgress,
            NoAnswer or Busy => from != InProgress,
            _ => Rank(to) > Rank(from),
        };
    }

    /// <summary>The statuses from which <paramref name="to"/> can be reached, for conditional updates.</summary>
    public static IReadOnlyList<string> SourcesOf(string to) => All.Where(from => CanMove(from, to)).ToList();

    private static int Rank(string status) => status switch
    {
        Queued => 0,
        Dialing => 1,
        Ringing => 2,
        InProgress => 3,
        _ => 4,
    };
}
