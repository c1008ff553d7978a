namespace Cualify.Appliance.Dialer.Sip.Transactions;

/// <summary>The RFC 3261 §17 timer values (table 4) for an unreliable transport.</summary>
public sealed record SipTimers(TimeSpan T1, TimeSpan T2, TimeSpan T4)
{
    public static SipTimers Default { get; } = new(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));

    /// <summary>64×T1: INVITE and non-INVITE transaction timeouts (B, F, H, J, L, M).</summary>
    public TimeSpan Timeout => T1 * 64;

    /// <summary>Timer D: how long a client INVITE transaction absorbs retransmitted final responses (&gt; 32 s on UDP).</summary>
    public TimeSpan D => TimeSpan.FromSeconds(32) > Timeout ? TimeSpan.FromSeconds(32) : Timeout;

    /// <summary>Timer K (and I): how long a completed non-INVITE transaction absorbs retransmitted responses.</summary>
    public TimeSpan K => T4;
}
