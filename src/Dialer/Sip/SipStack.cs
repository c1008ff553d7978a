using System.Net;
using System.Net.Sockets;
using Cualify.Appliance.Dialer.AgentStreams;
using Cualify.Appliance.Dialer.Sip.UserAgent;
using Cualify.Appliance.Dialer.Sip.Media;
using Cualify.Appliance.Dialer.Sip.Transactions;
using Cualify.Appliance.Dialer.Sip.Transport;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Sip;

/// <summary>
/// The assembled stack — channel → transport → transactions → user agent, plus the media clock, the recording writer and the optional
/// registration — and the loops that drive it. Start it, place calls through <see cref="UserAgent"/>, dispose it.
/// </summary>
public sealed class SipStack : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private Task _loops = Task.CompletedTask;

    private SipStack(SipTransport transport, SipUserAgent userAgent, SipRegistration? registration, ILogger logger)
    {
        Transport = transport;
        UserAgent = userAgent;
        Registration = registration;
        _logger = logger;
    }

    public SipTransport Transport { get; }

    public SipUserAgent UserAgent { get; }

    public SipRegistration? Registration { get; }

    /// <summary>Completes when the receive loop, the media clock, the recording writer and the registration stop (they fail only on a bug).</summary>
    public Task Completion => _loops;

    /// <summary>
    /// Binds the SIP socket (or uses <paramref name="channel"/>, e.g. an in-memory one) and starts the loops.
    /// Throws <see cref="SocketException"/> when the port cannot be bound.
    /// </summary>
    public static async Task<SipStack> StartAsync(
        SipOptions options, TimeProvider time, ILoggerFactory loggers, IDatagramChannel? channel = null, CancellationToken cancellationToken = default,
        AgentStreamConnector? agents = null)
    {
        var logger = loggers.CreateLogger<SipStack>();
        var bindAddress = IPAddress.Parse(options.LocalAddress);
        channel ??= new UdpDatagramChannel(new IPEndPoint(bindAddress, options.LocalPort));
        var resolver = new SipResolver(bindAddress.AddressFamily);
        var advertised = await AdvertisedAddressAsync(options, bindAddress, channel, resolver, logger, cancellationToken);
        var streams = await StreamsAsync(options, bindAddress, channel, resolver, time, loggers, cancellationToken);
        var transport = new SipTransport(channel, loggers.CreateLogger<SipTransport>(), streams, streamsFirst: options.TransportKind != SipTransportKind.Udp);
        var timers = SipTimers.Default with { T1 = options.T1 };
        var transactions = new SipTransactionLayer(transport, time, timers, loggers.CreateLogger<SipTransactionLayer>());
        var identity = new LocalIdentity(advertised.ToString(), channel.LocalEndPoint.Port, transport.Protocol, options.UserAgent);
        var (firstRtp, lastRtp) = options.RtpPortRange;
        var media = new SipMedia(new RtpPortPool(bindAddress, firstRtp, lastRtp), new MediaClock(time, loggers.CreateLogger<MediaClock>()), new PromptLibrary(), agents);
        var userAgent = new SipUserAgent(transactions, identity, options, media, resolver, time, loggers);
        var registration = options.Register ? new SipRegistration(userAgent, loggers.CreateLogger<SipRegistration>()) : null;
        var stack = new SipStack(transport, userAgent, registration, logger);
        stack._loops = Task.WhenAll(
            stack.RunLoopAsync("SIP receive loop", token => transport.RunAsync(transactions, token)),
            stack.RunLoopAsync("RTP media clock", media.Clock.RunAsync),
            stack.RunLoopAsync("recording writer", media.Recordings.RunAsync),
            registration is null ? Task.CompletedTask : stack.RunLoopAsync("SIP registration", registration.RunAsync));
        logger.LogInformation("SIP user agent listening on {Local} (advertised as {Advertised}), trunk {Trunk} over {Transport}",
            channel.LocalEndPoint, advertised, options.Trunk, transport.Protocol);
        return stack;
    }

    /// <summary>Hangs up live calls (waiting up to <paramref name="grace"/>), unregisters, stops the loops and closes the socket.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await UserAgent.HangUpAllAsync(grace);
        if (Registration is not null)
        {
            await Registration.UnregisterAsync(grace);
        }

        await _stopping.CancelAsync();
        await _loops;
        await Transport.DisposeAsync();
        UserAgent.Transactions.TimerQueue.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(2));
        _stopping.Dispose();
    }

    private async Task RunLoopAsync(string name, Func<CancellationToken, Task> loop)
    {
        try
        {
            await loop(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            _logger.LogCritical(exception, "The {Loop} stopped unexpectedly", name);
            throw;
        }
    }

    /// <summary>
    /// The TCP or TLS connections when the transport is one of them (kept open to the first hop), or the TCP
    /// connections a large request moves to over UDP; none beside an in-memory channel on UDP.
    /// </summary>
    private static async Task<SipStreamConnections?> StreamsAsync(
        SipOptions options, IPAddress bindAddress, IDatagramChannel channel, SipResolver resolver, TimeProvider time, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var kind = options.TransportKind;
        if (kind == SipTransportKind.Udp && channel is not UdpDatagramChannel)
        {
            return null;
        }

        var (host, port) = SipOptions.ParseHostPort(options.OutboundProxy, options.DefaultPort) ?? options.TrunkEndpoint;
        var tls = kind == SipTransportKind.Tls
            ? new SipTlsPolicy(host.Trim('[', ']'), options.TlsCaFile, options.TlsFingerprint, options.TlsAcceptAnyCertificate, ServerCertificate(options))
            : null;
        var streams = new SipStreamConnections(bindAddress, tls, time, loggers.CreateLogger<SipStreamConnections>()) { KeepAliveInterval = options.KeepAliveInterval };
        // Only on a configured port: a stack on "any free port" (tests, doctor's probe) has no Contact a trunk dials.
        if ((kind == SipTransportKind.Tcp || tls?.ServerCertificate is not null) && options.LocalPort != 0)
        {
            streams.Listen(new IPEndPoint(bindAddress, channel.LocalEndPoint.Port));
        }

        if (kind != SipTransportKind.Udp)
        {
            try
            {
                streams.Persistent = await resolver.ResolveAsync(host, port, cancellationToken);
            }
            catch (SipResolveException)
            {
                // Each call resolves the trunk again and reports what fails.
            }
        }

        return streams;
    }

    /// <summary>The configured public address, else the bound one, else the local address the OS routes to the trunk from.</summary>
    private static async Task<IPAddress> AdvertisedAddressAsync(
        SipOptions options, IPAddress bindAddress, IDatagramChannel channel, SipResolver resolver, ILogger logger, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(options.PublicAddress))
        {
            return IPAddress.Parse(options.PublicAddress);
        }

        if (!bindAddress.Equals(IPAddress.Any) && !bindAddress.Equals(IPAddress.IPv6Any))
        {
            return bindAddress;
        }

        if (channel is not UdpDatagramChannel)
        {
            return channel.LocalEndPoint.Address;
        }

        try
        {
            var (host, port) = options.TrunkEndpoint;
            var trunk = await resolver.ResolveAsync(host, port, cancellationToken);
            using var probe = new Socket(trunk.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(trunk);
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (Exception exception) when (exception is SipResolveException or SocketException)
        {
            logger.LogWarning("Could not find the local address towards the trunk ({Detail}); set Dialer:Sip:PublicAddress", exception.Message);
            return IPAddress.Loopback;
        }
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate(SipOptions options) =>
        string.IsNullOrWhiteSpace(options.TlsCertificateFile) || string.IsNullOrWhiteSpace(options.TlsKeyFile)
            ? null
            : SipTlsPolicy.LoadServerCertificate(options.TlsCertificateFile, options.TlsKeyFile).Certificate;
}
