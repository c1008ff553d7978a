using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.RateLimits;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>
/// Starts, resumes, switches and ends console sessions. The key is authenticated by the same store as the API
/// (hash, revocation, expiry, IP allowlist) and looked up again on every request.
/// </summary>
public sealed class ConsoleSessions(ApiKeyStore keys, OrgStore orgs, SessionCookie cookie, AuthenticationFailures failures, TimeProvider time)
{
    /// <summary>
    /// Signs in with a presented API key; false when the key is refused (for whatever reason, not said), counted
    /// against the address's budget of failed authentications, the same one the API keeps. Throws
    /// <c>429 too_many_requests</c> once the budget is spent, without looking at the key.
    /// </summary>
    public async Task<bool> BeginAsync(HttpContext context, string presented)
    {
        var address = context.Connection.RemoteIpAddress;
        if (failures.Standing(address) is { Allowed: false } standing)
        {
            throw new ApplianceException(ErrorKind.TooManyRequests,
                $"Too many failed sign-ins from this address; try again in {standing.RetryAfterSeconds} s.");
        }

        var (key, _) = await keys.AuthenticateAsync(presented.Trim(), context.RequestAborted);
        if (key is null || !key.AllowsAddress(address))
        {
            failures.Count(address);
            return false;
        }

        await keys.TouchAsync(key, context.RequestAborted);
        cookie.Write(context, new SessionTicket(key.Id, key.OrgId, key.OrgId, time.GetUtcNow()));
        return true;
    }

    /// <summary>The session of this request, or null (and the cookie cleared) when there is none or its key no longer holds.</summary>
    public async Task<ConsoleSession?> ResumeAsync(HttpContext context)
    {
        var ticket = cookie.Read(context);
        if (ticket is null)
        {
            return null;
        }

        var key = await keys.GetAsync(ticket.KeyOrgId, ticket.KeyId, context.RequestAborted);
        if (key is null || !Holds(key, context))
        {
            cookie.Clear(context);
            return null;
        }

        var orgId = key.ScopeValue == Scope.Operator ? ticket.OrgId : key.OrgId;
        var org = await orgs.GetAsync(orgId, context.RequestAborted) ?? await orgs.GetAsync(key.OrgId, context.RequestAborted);
        if (org is null)
        {
            cookie.Clear(context);
            return null;
        }

        return new ConsoleSession(key, org.Id, org.Name);
    }

    /// <summary>For a long-lived response (the Live stream), which cannot clear a cookie: whether the key still holds.</summary>
    public async Task<bool> KeyStillHoldsAsync(ConsoleSession session, HttpContext context, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(session.Key.OrgId, session.Key.Id, cancellationToken);
        return key is not null && Holds(key, context);
    }

    /// <summary>An operator key looks at another org; any other key stays on its own.</summary>
    public async Task<bool> SwitchOrgAsync(HttpContext context, ConsoleSession session, string orgId)
    {
        if (!session.SeesEveryOrg || await orgs.GetAsync(orgId, context.RequestAborted) is null)
        {
            return false;
        }

        cookie.Write(context, new SessionTicket(session.Key.Id, session.Key.OrgId, orgId, time.GetUtcNow()));
        return true;
    }

    public void End(HttpContext context) => cookie.Clear(context);

    private bool Holds(ApiKey key, HttpContext context) =>
        key.RevokedAt is null && !(key.ExpiresAt <= time.GetUtcNow()) && key.AllowsAddress(context.Connection.RemoteIpAddress);
}
