using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.LocalApi.Auth;

/// <summary>Who is calling: the key, its org and scope, and the org's request limit.</summary>
public sealed record ApiCaller(ApiKey Key, int OrgRateLimitPerMinute)
{
    public string OrgId => Key.OrgId;

    public Scope Scope => Key.ScopeValue;
}

public static class ApiCallerExtensions
{
    /// <summary>The authenticated caller; endpoints behind the key middleware always have one.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context.Features.Get<ApiCaller>() ?? throw new ApplianceException(ErrorKind.Unauthorized, "A valid API key is required");
}
