using Cualify.Appliance.Core.Credits;

namespace Cualify.Appliance.Core.Calls;

/// <summary>Which term set a call's effective maximum duration.</summary>
public static class DurationLimit
{
    public const string Request = "request";
    public const string Playbook = "playbook";
    public const string GlobalCap = "global_cap";
    public const string Credits = "credits";
}

/// <summary>A call's effective maximum and what it costs to hold.</summary>
public sealed record EffectiveDuration(int Seconds, string LimitedBy, long ReservationPaise);

/// <summary>
/// The effective maximum duration of a call = the smallest of the request's <c>max_duration_sec</c>, the
/// playbook's, the global cap (<c>Dialer:MaxCallDuration</c>) and what the available balance pays for. The
/// balance is the limit only when it is strictly the smallest term, so a tie reads as the configured limit.
/// </summary>
public static class CallDuration
{
    /// <summary>The call's ceiling before credits are considered.</summary>
    public static (int Seconds, string LimitedBy) Ceiling(int? requested, int playbook, int globalCap)
    {
        var (seconds, limitedBy) = requested is { } r ? (r, DurationLimit.Request) : (int.MaxValue, DurationLimit.Request);
        if (playbook < seconds)
        {
            (seconds, limitedBy) = (playbook, DurationLimit.Playbook);
        }

        if (globalCap < seconds)
        {
            (seconds, limitedBy) = (globalCap, DurationLimit.GlobalCap);
        }

        return (seconds, limitedBy);
    }

    /// <summary>The shortest talk a call must be able to pay for: the minimum worth dialing, or its ceiling if shorter.</summary>
    public static int MinimumSeconds(int ceiling, int minimumCallSeconds) => Math.Min(ceiling, minimumCallSeconds);

    /// <summary>What the balance must hold for the call to be accepted or dialed.</summary>
    public static long MinimumReservation(int ceiling, int minimumCallSeconds, CallPricing pricing) =>
        pricing.ReservationFor(MinimumSeconds(ceiling, minimumCallSeconds));

    /// <summary>
    /// The effective maximum given <paramref name="availablePaise"/>, or null when the balance does not pay for
    /// the minimum worth dialing.
    /// </summary>
    public static EffectiveDuration? Decide(int? requested, int playbook, int globalCap, CallPricing pricing, long availablePaise, int minimumCallSeconds)
    {
        var (ceiling, limitedBy) = Ceiling(requested, playbook, globalCap);
        if (MinimumReservation(ceiling, minimumCallSeconds, pricing) > availablePaise)
        {
            return null;
        }

        var affordable = pricing.AffordableSeconds(availablePaise);
        var seconds = ceiling;
        if (affordable < ceiling)
        {
            (seconds, limitedBy) = ((int)affordable, DurationLimit.Credits);
        }

        return new EffectiveDuration(seconds, limitedBy, pricing.ReservationFor(seconds));
    }
}
