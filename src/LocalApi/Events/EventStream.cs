using System.Text;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.LocalApi.Auth;
using Cualify.Appliance.Relay;
using Cualify.Appliance.Relay.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.LocalApi.Events;

/// <summary>
/// <c>GET /api/v1/events?types=…</c> as Server-Sent Events: each event of the caller's org as
/// <c>id:</c> (the event id), <c>event:</c> (its type) and <c>data:</c> (the delivery envelope). The stream
/// follows the outbox order, so resuming after <c>Last-Event-ID</c> misses nothing; without it, it starts with
/// the next event. Idle streams get a heartbeat comment so proxies keep them open. The key is checked again
/// every <see cref="RelayOptions.StreamKeyRecheck"/>, whether events are flowing or not, and before any batch is
/// written once that time has passed: a revoked or expired key's stream ends then, without another event.
/// </summary>
public static class EventStream
{
    private const int BatchSize = 100;

    public static async Task RunAsync(
        HttpContext context,
        EventReader reader,
        OutboxSignal signal,
        ApiKeyStore keys,
        IOptions<RelayOptions> options,
        TimeProvider time,
        string? types,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        [FromQuery(Name = "last_event_id")] string? lastEventIdQuery)
    {
        var orgId = context.Caller().OrgId;
        var wanted = ParseTypes(types);
        var resumeFrom = string.IsNullOrWhiteSpace(lastEventId) ? lastEventIdQuery : lastEventId;
        // A stream ends when the client leaves or when the appliance stops: an open stream must not hold a
        // stop (SIGTERM) for the whole Host:ShutdownTimeout. Clients reconnect with Last-Event-ID.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestAborted, context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var cancellationToken = ending.Token;
        OutboxPosition after;
        IReadOnlySet<string> seen;
        if (!string.IsNullOrWhiteSpace(resumeFrom))
        {
            after = await reader.PositionOfAsync(orgId, resumeFrom.Trim(), cancellationToken)
                    ?? throw ApplianceException.BadRequest($"Last-Event-ID {resumeFrom.Trim()} is not an event of this org", "Last-Event-ID");
            seen = new HashSet<string>();
        }
        else
        {
            (after, seen) = await reader.StartAsync(orgId, cancellationToken);
        }

        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        var heartbeat = options.Value.StreamHeartbeat;
        var recheck = options.Value.StreamKeyRecheck;
        try
        {
            await response.WriteAsync("retry: 3000\n\n", cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            var lastWrite = time.GetTimestamp();
            var lastKeyCheck = time.GetTimestamp();
            while (!cancellationToken.IsCancellationRequested)
            {
                if (time.GetElapsedTime(lastKeyCheck) >= recheck)
                {
                    if (!await StillAuthorizedAsync(context, keys, cancellationToken))
                    {
                        return;
                    }

                    lastKeyCheck = time.GetTimestamp();
                }

                var next = signal.Next;
                var events = await reader.FollowAsync(orgId, after, wanted, BatchSize, cancellationToken);
                if (events.Count > 0)
                {
                    var text = new StringBuilder();
                    foreach (var evt in events)
                    {
                        after = new OutboxPosition(evt.Tx, evt.Seq);
                        if (seen.Contains(evt.Id))
                        {
                            continue;
                        }

                        text.Append("id: ").Append(evt.Id).Append('\n')
                            .Append("event: ").Append(evt.Type).Append('\n')
                            .Append("data: ").Append(evt.ToEnvelopeJson()).Append("\n\n");
                    }

                    if (text.Length > 0)
                    {
                        await response.WriteAsync(text.ToString(), cancellationToken);
                        await response.Body.FlushAsync(cancellationToken);
                        lastWrite = time.GetTimestamp();
                    }

                    if (events.Count == BatchSize)
                    {
                        continue;
                    }
                }

                var idle = heartbeat - time.GetElapsedTime(lastWrite);
                if (idle <= TimeSpan.Zero)
                {
                    await response.WriteAsync(": heartbeat\n\n", cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                    lastWrite = time.GetTimestamp();
                    continue;
                }

                var keyCheckDue = recheck - time.GetElapsedTime(lastKeyCheck);
                if (keyCheckDue > TimeSpan.Zero)
                {
                    var wait = keyCheckDue < idle ? keyCheckDue : idle;
                    if (wait > OutboxOrder.HeldBackRecheck && await reader.HeldBackAsync(orgId, after, cancellationToken))
                    {
                        await OutboxOrder.WaitWhileHeldBackAsync(next, cancellationToken);
                    }
                    else
                    {
                        await WorkSignal.WaitAsync(next, wait, time, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the appliance is stopping; that is how a stream ends.
        }
    }

    private static async Task<bool> StillAuthorizedAsync(HttpContext context, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var (key, _) = await keys.AuthenticateAsync(header[scheme.Length..].Trim(), cancellationToken);
        return key is not null;
    }

    private static IReadOnlyCollection<string>? ParseTypes(string? types)
    {
        if (string.IsNullOrWhiteSpace(types))
        {
            return null;
        }

        var list = types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (list.Contains(EventCatalog.All))
        {
            return null;
        }

        var unknown = list.FirstOrDefault(t => !EventCatalog.IsKnown(t));
        return unknown is null
            ? list
            : throw ApplianceException.BadRequest($"types has '{unknown}', which is not an event type; known types: {string.Join(", ", EventCatalog.Types)}", "types");
    }
}
