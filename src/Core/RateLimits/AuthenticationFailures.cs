using System.Net;

namespace Cualify.Appliance.Core.RateLimits;

/// <summary>
/// One budget of failed authentications per client address, shared by the API and the console's sign-in: past it,
/// the address is refused before any key it sends is looked at, so keys cannot be guessed through either door.
/// </summary>
public sealed class AuthenticationFailures(SlidingWindowLimiter limiter)
{
    public const int PerMinute = 20;

    /// <summary>Where the address stands, without counting anything.</summary>
    public RateDecision Standing(IPAddress? address) => limiter.Peek(Partition(address), PerMinute);

    /// <summary>Counts one failure against the address; returns what is left.</summary>
    public RateDecision Count(IPAddress? address) => limiter.Acquire((Partition(address), PerMinute));

    private static string Partition(IPAddress? address) => $"auth-failures:{address}";
}
