using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>The console refuses plain http from another machine (the sign-in form carries a key) unless configured.</summary>
public sealed class TransportTests
{
    [Theory]
    [InlineData(false, HttpStatusCode.Forbidden)]
    [InlineData(true, HttpStatusCode.SeeOther)]
    public async Task Plain_http_to_a_non_loopback_address_is_refused_unless_configured(bool allowPlainHttp, HttpStatusCode expected)
    {
        var address = NonLoopbackAddress();
        await using var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Api:Urls"] = "http://0.0.0.0:0",
            ["Console:AllowPlainHttp"] = allowPlainHttp ? "true" : "false",
        });
        var port = appliance.BaseAddress.Port;

        using var remote = ConsoleHttp.Client(new Uri($"http://{address}:{port}"));
        var signIn = await remote.GetAsync("/console/signin");
        Assert.Equal(allowPlainHttp ? HttpStatusCode.OK : HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Equal(expected, (await remote.GetAsync("/console/live")).StatusCode);
        if (!allowPlainHttp)
        {
            Assert.Contains("Console:AllowPlainHttp", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await remote.GetAsync("/healthz")).StatusCode); // the API is not the console's business
        }

        using var local = ConsoleHttp.Client(new Uri($"http://127.0.0.1:{port}"));
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/console/signin")).StatusCode);
    }

    /// <summary>An IPv4 address of this machine other than loopback, which a connection to reaches us as a non-loopback client.</summary>
    private static IPAddress NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new InvalidOperationException("This test needs a network interface with a non-loopback IPv4 address (any container or host network has one).");
}
