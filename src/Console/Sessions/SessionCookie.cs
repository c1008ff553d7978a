using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>What the cookie holds: which key signed in, which org it is looking at, and when it was last renewed.</summary>
public sealed record SessionTicket(string KeyId, string KeyOrgId, string OrgId, DateTimeOffset RenewedAt);

/// <summary>
/// The session cookie: encrypted and signed with Data Protection, <c>HttpOnly</c>, <c>SameSite=Strict</c>,
/// <c>Secure</c> over https, sliding (renewed at most once a minute). It never holds the key itself, only its id,
/// so the gate looks the key up again on every request and a revoked key's session ends at once.
/// </summary>
public sealed class SessionCookie(IDataProtectionProvider protection, TimeProvider time, IOptions<ConsoleOptions> options)
{
    public const string Name = "cualify_console";

    private static readonly TimeSpan RenewEvery = TimeSpan.FromMinutes(1);

    private readonly IDataProtector _protector = protection.CreateProtector("Cualify.Appliance.OperatorConsole.Session.v1");

    public SessionTicket? Read(HttpContext context)
    {
        if (!context.Request.Cookies.TryGetValue(Name, out var value) || string.IsNullOrEmpty(value))
        {
            return null;
        }

        string[] parts;
        try
        {
            parts = _protector.Unprotect(value).Split('\n');
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }

        if (parts.Length != 4 || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var renewed))
        {
            return null;
        }

        var ticket = new SessionTicket(parts[0], parts[1], parts[2], DateTimeOffset.FromUnixTimeSeconds(renewed));
        var now = time.GetUtcNow();
        if (now - ticket.RenewedAt > options.Value.SessionLifetime)
        {
            return null;
        }

        if (now - ticket.RenewedAt > RenewEvery)
        {
            Write(context, ticket);
        }

        return ticket;
    }

    public void Write(HttpContext context, SessionTicket ticket)
    {
        var now = time.GetUtcNow();
        var payload = string.Join('\n', ticket.KeyId, ticket.KeyOrgId, ticket.OrgId, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        context.Response.Cookies.Append(Name, _protector.Protect(payload), Options(context, options.Value.SessionLifetime));
    }

    public void Clear(HttpContext context) => context.Response.Cookies.Delete(Name, Options(context, null));

    // Max-Age rather than Expires: the browser's clock need not agree with the appliance's.
    private static CookieOptions Options(HttpContext context, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = context.Request.IsHttps,
        Path = ConsolePaths.Root,
        MaxAge = maxAge,
        IsEssential = true,
    };
}
