using System.Diagnostics;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Sip.Messages;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>What an OPTIONS probe of the trunk found.</summary>
/// <param name="Status">The trunk's final status code; null when it did not answer.</param>
public sealed record TrunkProbeResult(bool Reachable, int? Status, TimeSpan RoundTrip, string Detail);

/// <summary>
/// Asks the trunk whether it is there with OPTIONS (RFC 3261 §11). Any final response means reachable — many trunks
/// answer 401, 403 or 405 to OPTIONS from a stranger, and that still proves the address and port are right.
/// </summary>
public static class SipTrunkProbe
{
    public static async Task<TrunkProbeResult> ProbeAsync(SipUserAgent ua, CancellationToken cancellationToken)
    {
        var options = ua.Options;
        var (host, port) = options.TrunkEndpoint;
        System.Net.IPEndPoint destination;
        try
        {
            destination = SipOptions.ParseHostPort(options.OutboundProxy) is { } proxy
                ? await ua.Resolver.ResolveAsync(proxy.Host, proxy.Port, cancellationToken)
                : await ua.Resolver.ResolveAsync(host, port, cancellationToken);
        }
        catch (SipResolveException exception)
        {
            return new TrunkProbeResult(false, null, TimeSpan.Zero, $"Dialer:Sip:Trunk: {exception.Message}");
        }

        var uri = port == 5060 ? $"sip:{host}" : $"sip:{host}:{port}";
        var request = new SipRequest(SipMethods.Options, uri);
        request.Headers.Add(SipHeaderNames.Via, ua.Identity.NewVia().ToString());
        request.Headers.Add(SipHeaderNames.MaxForwards, "70");
        request.Headers.Add(SipHeaderNames.From, $"<sip:{options.FromUser}@{options.EffectiveFromDomain}>;tag={SipIds.Tag()}");
        request.Headers.Add(SipHeaderNames.To, $"<{uri}>");
        request.Headers.Add(SipHeaderNames.CallId, SipIds.CallId(ua.Identity.Host));
        request.Headers.Add(SipHeaderNames.CSeq, new CSeq(1, SipMethods.Options).ToString());
        request.Headers.Add(SipHeaderNames.Contact, ua.Identity.Contact(options.FromUser));
        request.Headers.Add(SipHeaderNames.Accept, "application/sdp");
        request.Headers.Add(SipHeaderNames.UserAgent, options.UserAgent);
        var started = Stopwatch.GetTimestamp();
        var response = await ua.SendAsync(request, destination, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return response is null
            ? new TrunkProbeResult(false, null, elapsed, $"the trunk {options.Trunk} did not answer OPTIONS within {ua.Transactions.Timers.Timeout.TotalSeconds:0} s; check Dialer:Sip:Trunk and the firewall")
            : new TrunkProbeResult(true, response.StatusCode, elapsed, $"the trunk {options.Trunk} answered OPTIONS with {response.StatusCode} {response.Reason} in {elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>
    /// For <c>doctor</c>: a throw-away user agent on an ephemeral port (the service may hold the configured one) sends one
    /// OPTIONS and goes away. <paramref name="timeout"/> caps the wait (the transaction itself gives up after 32 s).
    /// </summary>
    public static async Task<TrunkProbeResult> ProbeOnceAsync(SipOptions options, ILoggerFactory loggers, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var throwAway = Clone(options);
        throwAway.LocalPort = 0;
        throwAway.Register = false;
        await using var stack = await SipStack.StartAsync(throwAway, TimeProvider.System, loggers, cancellationToken: cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return await ProbeAsync(stack.UserAgent, limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new TrunkProbeResult(false, null, timeout, $"the trunk {options.Trunk} did not answer OPTIONS within {timeout.TotalSeconds:0} s; check Dialer:Sip:Trunk and the firewall");
        }
    }

    private static SipOptions Clone(SipOptions o) => new()
    {
        Trunk = o.Trunk, Transport = o.Transport, TlsCaFile = o.TlsCaFile, TlsFingerprint = o.TlsFingerprint,
        TlsAcceptAnyCertificate = o.TlsAcceptAnyCertificate, KeepAliveInterval = o.KeepAliveInterval, Srtp = o.Srtp, Username = o.Username, Password = o.Password, FromUser = o.FromUser,
        FromDomain = o.FromDomain, LocalAddress = o.LocalAddress, PublicAddress = o.PublicAddress, LocalPort = o.LocalPort,
        RtpPorts = o.RtpPorts, Codecs = o.Codecs, OutboundProxy = o.OutboundProxy, SendPAssertedIdentity = o.SendPAssertedIdentity,
        Register = o.Register, Registrar = o.Registrar, RegistrarRefresh = o.RegistrarRefresh, DigitWait = o.DigitWait, MediaTimeout = o.MediaTimeout, T1 = o.T1,
        UserAgent = o.UserAgent,
    };
}
