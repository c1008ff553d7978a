namespace Cualify.Appliance.Core.Calls;

/// <summary>What the admission decided for one due call.</summary>
public abstract record DialDecision(string Reason)
{
    /// <summary>All checks passed: dial it now with this effective maximum.</summary>
    public sealed record Admit(EffectiveDuration Duration) : DialDecision("admitted");

    /// <summary>It can never be dialed: it ends <c>failed</c> with <see cref="DialDecision.Reason"/> as end reason.</summary>
    public sealed record Refuse(string EndReason) : DialDecision(EndReason);

    /// <summary>Not yet: it waits until <see cref="Until"/> (calling hours, the daily attempt cap).</summary>
    public sealed record Defer(string Why, DateTimeOffset Until) : DialDecision(Why);

    /// <summary>Not while the org is at a limit (concurrency, calls per second, credits held by live calls).</summary>
    public sealed record HoldOrg(string Why, DateTimeOffset? RetryAt = null) : DialDecision(Why);
}

/// <summary>Why a due call waits.</summary>
public static class DialWaitReasons
{
    public const string OutsideCallingHours = "outside_calling_hours";
    public const string AttemptCap = "attempt_cap";
    public const string GlobalConcurrency = "global_concurrency";
    public const string GlobalRate = "global_rate";
    public const string OrgConcurrency = "org_concurrency";
    public const string OrgRate = "org_rate";
    public const string CreditsHeld = "credits_held";
}

/// <summary>A call the admission moved to <c>dialing</c>, with what the provider needs to place it.</summary>
/// <param name="Call">The call as it was claimed (this object still reads <c>queued</c>): its id, org, numbers,
/// language and playbook, which dialing does not change. Read the store for its state after admission.</param>
/// <param name="StartedAt">When dialing began (<c>started_at</c>).</param>
public sealed record DialTicket(Call Call, Playbooks.Playbook Playbook, Playbooks.PlaybookAudio? Audio, EffectiveDuration Duration, DateTimeOffset StartedAt);

/// <summary>One admission round: the calls to dial now and when another round could admit more.</summary>
/// <param name="NextWake">The earliest moment something waiting may become dialable (a scheduled call falls due,
/// a rate window moves); null when only a signal can change anything.</param>
public sealed record AdmissionRound(IReadOnlyList<DialTicket> Admitted, int Refused, int Deferred, bool Full, DateTimeOffset? NextWake);
