using System.Globalization;
using System.Net;
using Cualify.Appliance.Dialer.Sip.Auth;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Sip.Messages;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>
/// Keeps a registration with the registrar (RFC 3261 §10): REGISTER with digest on 401/407, renewed every
/// <see cref="SipOptions.RegistrarRefresh"/> (sooner if the registrar grants less), retried after a minute on failure.
/// </summary>
public sealed class SipRegistration(SipUserAgent ua, ILogger<SipRegistration> logger)
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);
    private readonly string _callId = SipIds.CallId(ua.Identity.Host);
    private readonly string _tag = SipIds.Tag();
    private uint _sequence;

    /// <summary>When the current registration runs out; null when not registered.</summary>
    public DateTimeOffset? RegisteredUntil { get; private set; }

    public string LastResult { get; private set; } = "not attempted yet";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var granted = await RegisterAsync(ua.Options.RegistrarRefresh * 2, cancellationToken);
            var wait = granted is { } seconds
                ? TimeSpan.FromTicks(Math.Min(ua.Options.RegistrarRefresh.Ticks, TimeSpan.FromSeconds(seconds / 2.0).Ticks))
                : RetryAfterFailure;
            wait = wait < TimeSpan.FromSeconds(15) ? TimeSpan.FromSeconds(15) : wait;
            await Task.Delay(wait, ua.Time, cancellationToken);
        }
    }

    public async Task UnregisterAsync(TimeSpan timeout)
    {
        if (RegisteredUntil is null)
        {
            return;
        }

        using var cancel = new CancellationTokenSource(timeout, TimeProvider.System);
        try
        {
            await RegisterAsync(TimeSpan.Zero, cancel.Token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One registration (with up to two digest answers); the granted seconds, or null on failure.</summary>
    private async Task<int?> RegisterAsync(TimeSpan expires, CancellationToken cancellationToken)
    {
        var options = ua.Options;
        var (host, port) = SipOptions.ParseHostPort(options.Registrar) ?? options.TrunkEndpoint;
        IPEndPoint destination;
        try
        {
            destination = SipOptions.ParseHostPort(options.OutboundProxy) is { } proxy
                ? await ua.Resolver.ResolveAsync(proxy.Host, proxy.Port, cancellationToken)
                : await ua.Resolver.ResolveAsync(host, port, cancellationToken);
        }
        catch (SipResolveException exception)
        {
            return Failed(exception.Message);
        }

        var requestUri = port == 5060 ? $"sip:{host}" : $"sip:{host}:{port}";
        var seconds = (int)expires.TotalSeconds;
        string? authHeader = null, authValue = null;
        for (var attempt = 0; attempt <= 2; attempt++)
        {
            var request = Build(requestUri, seconds, authHeader, authValue);
            var response = await ua.SendAsync(request, destination, cancellationToken);
            if (response is null)
            {
                return Failed("the registrar did not answer");
            }

            if (response.IsSuccess)
            {
                var granted = GrantedSeconds(response) ?? seconds;
                RegisteredUntil = seconds == 0 ? null : ua.Time.GetUtcNow().AddSeconds(granted);
                LastResult = seconds == 0 ? "unregistered" : $"registered for {granted} s";
                logger.LogInformation("SIP registration: {Result}", LastResult);
                return granted;
            }

            if (response.StatusCode is not (401 or 407) || attempt == 2 || string.IsNullOrEmpty(options.Password))
            {
                return Failed($"the registrar answered {response.StatusCode} {response.Reason}");
            }

            var proxyAuth = response.StatusCode == 407;
            var challenge = response.Headers.GetAll(proxyAuth ? SipHeaderNames.ProxyAuthenticate : SipHeaderNames.WwwAuthenticate)
                .Select(v => DigestChallenge.TryParse(v, out var c) ? c : null)
                .Where(c => c is { IsSupported: true })
                .OrderByDescending(c => DigestHash.Strength(c!.Algorithm))
                .FirstOrDefault();
            if (challenge is null)
            {
                return Failed("the registrar's challenge uses an algorithm we do not support");
            }

            authHeader = proxyAuth ? SipHeaderNames.ProxyAuthorization : SipHeaderNames.Authorization;
            authValue = DigestAuthorization.Header(challenge, options.AuthUser, options.Password, SipMethods.Register, requestUri);
        }

        return Failed("the registrar kept challenging");
    }

    private SipRequest Build(string requestUri, int expires, string? authHeader, string? authValue)
    {
        var options = ua.Options;
        var aor = $"<sip:{options.AuthUser}@{options.EffectiveFromDomain}>";
        var request = new SipRequest(SipMethods.Register, requestUri);
        request.Headers.Add(SipHeaderNames.Via, ua.Identity.NewVia().ToString());
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, aor + ";tag=" + _tag);
        request.Headers.Add(SipHeaderNames.To, aor);
        request.Headers.Add(SipHeaderNames.CallId, _callId);
        request.Headers.Add(SipHeaderNames.CSeq, new CSeq(++_sequence, SipMethods.Register).ToString());
        request.Headers.Add(SipHeaderNames.Contact, ua.Identity.Contact(options.FromUser));
        request.Headers.Add(SipHeaderNames.Expires, expires.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(SipHeaderNames.UserAgent, options.UserAgent);
        if (authHeader is not null)
        {
            request.Headers.Add(authHeader, authValue!);
        }

        return request;
    }

    private int? GrantedSeconds(SipResponse response)
    {
        var ours = ua.Identity.Contact(ua.Options.FromUser).Trim('<', '>');
        foreach (var value in response.Headers.GetAll(SipHeaderNames.Contact))
        {
            if (NameAddress.TryParse(value, out var contact) && contact.Uri == ours &&
                int.TryParse(contact.Parameters["expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var fromContact))
            {
                return fromContact;
            }
        }

        return int.TryParse(response.Headers[SipHeaderNames.Expires], NumberStyles.None, CultureInfo.InvariantCulture, out var expires) ? expires : null;
    }

    private int? Failed(string detail)
    {
        RegisteredUntil = null;
        LastResult = "registration failed: " + detail;
        logger.LogWarning("SIP registration failed: {Detail}", detail);
        return null;
    }
}
