using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Retry;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Retries for transient failures only, and never in a way that could ring someone twice: a request that
/// creates a call is retried only when it provably did not reach Twilio (the connection could not be made) or
/// when Twilio refused it with 429, which Twilio documents as not processed. Fetches and updates (hang-up,
/// cancel, transfer) are idempotent and retried on any transient failure.
/// </summary>
public static class TwilioResilience
{
    public const string PipelineName = "twilio";

    /// <summary>Whether <paramref name="request"/> creates a call: <c>POST …/Calls.json</c>.</summary>
    public static bool CreatesCall(HttpRequestMessage request) =>
        request.Method == HttpMethod.Post && request.RequestUri is { } uri && uri.AbsolutePath.EndsWith("/Calls.json", StringComparison.Ordinal);

    /// <summary>
    /// Timeouts and backoff measure real network time, so they run on the system clock even when the rest of the
    /// appliance runs on a test's fake one.
    /// </summary>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, TwilioOptions options)
    {
        pipeline.TimeProvider = TimeProvider.System;
        pipeline.AddTimeout(options.RequestTimeout * 4);
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 3,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(500),
            ShouldRetryAfterHeader = true,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args)),
        });
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.RequestTimeout });
    }

    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args)
    {
        if (args.Outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
        {
            return true;
        }

        if (args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests })
        {
            return true;
        }

        var request = args.Outcome.Result?.RequestMessage ?? args.Context.GetRequestMessage();
        if (request is not null && CreatesCall(request))
        {
            return false;
        }

        return HttpClientResiliencePredicates.IsTransient(args.Outcome);
    }

    /// <summary>Whether a failed request provably never reached Twilio.</summary>
    public static bool NeverReachedTwilio(Exception exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError };
}
