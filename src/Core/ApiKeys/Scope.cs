namespace Cualify.Appliance.Core.ApiKeys;

/// <summary>What a key may do; each scope includes the ones before it.</summary>
public enum Scope
{
    /// <summary>GET requests.</summary>
    Read = 0,

    /// <summary>Read, plus create, update and delete of data.</summary>
    Write = 1,

    /// <summary>Write, plus keys, webhooks and org settings.</summary>
    Admin = 2,

    /// <summary>Everything, across all orgs: credits, plans, limits. Created only with the CLI.</summary>
    Operator = 3,
}

public static class Scopes
{
    public static string Name(this Scope scope) => scope.ToString().ToLowerInvariant();

    public static bool Includes(this Scope granted, Scope required) => granted >= required;

    public static bool TryParse(string? value, out Scope scope)
    {
        scope = default;
        return value is "read" or "write" or "admin" or "operator" && Enum.TryParse(value, ignoreCase: true, out scope);
    }
}
