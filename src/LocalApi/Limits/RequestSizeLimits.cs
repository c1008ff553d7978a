using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cualify.Appliance.LocalApi.Limits;

/// <summary>
/// How long a request target and its headers may be. Kestrel answers requests beyond its own limits itself,
/// with an empty body the app never sees; so Kestrel's limits sit well above these, and
/// <see cref="RequestSizeMiddleware"/> refuses anything between the two with the contract's envelope.
/// </summary>
public static class RequestSizeLimits
{
    public const int MaxTargetBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;

    /// <summary>How far above the app's limits Kestrel's own stand (past these only Kestrel's bare answer is possible).</summary>
    private const int KestrelHeadroom = 4;

    public static void Apply(KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = MaxTargetBytes * KestrelHeadroom;
        limits.MaxRequestHeadersTotalSize = MaxHeaderBytes * KestrelHeadroom;
        limits.MaxRequestHeaderCount = MaxHeaderCount * KestrelHeadroom;
    }
}
