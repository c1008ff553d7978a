using Cualify.Appliance.Core.RateLimits;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.RateLimits;

/// <summary>The contract's <c>X-RateLimit-*</c> headers (and <c>Retry-After</c> when refused) for one decision.</summary>
public static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateDecision decision)
    {
        var headers = response.Headers;
        headers["X-RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers["X-RateLimit-Reset"] = decision.Reset.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        if (!decision.Allowed)
        {
            headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        }
    }
}
