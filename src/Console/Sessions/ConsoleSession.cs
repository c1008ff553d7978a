using Cualify.Appliance.Core.ApiKeys;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>Who is signed in: the key (checked again on every request), its scope, and the org being looked at.</summary>
public sealed record ConsoleSession(ApiKey Key, string OrgId, string OrgName)
{
    public Scope Scope => Key.ScopeValue;

    /// <summary>Operator keys see every org and switch between them.</summary>
    public bool SeesEveryOrg => Scope == Scope.Operator;

    public bool May(Scope needed) => Scope.Includes(needed);

    /// <summary>Below admin, numbers and emails are shown the way the logs mask them.</summary>
    public bool SeesPersonalData => Scope.Includes(Scope.Admin);
}

public static class ConsoleSessionExtensions
{
    /// <summary>The session the gate resumed; pages behind the gate always have one.</summary>
    public static ConsoleSession? ConsoleSession(this HttpContext context) => context.Features.Get<ConsoleSession>();

    public static ConsoleSession RequireConsoleSession(this HttpContext context) =>
        context.ConsoleSession() ?? throw new InvalidOperationException("No console session: this page is not behind the console gate");
}
