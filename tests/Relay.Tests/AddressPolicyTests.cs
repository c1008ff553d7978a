using System.Net;
using Cualify.Appliance.Relay.Addresses;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Tests;

public sealed class AddressPolicyTests
{
    private static WebhookAddressPolicy Policy(params string[] httpHosts) =>
        new(Options.Create(new RelayOptions { AllowHttpHosts = httpHosts }), new StaticResolver());

    [Theory]
    [InlineData("https://crm.example.com/hook")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("http://127.0.0.1:8081/hook")]
    [InlineData("http://localhost:8081/hook")]
    [InlineData("http://[::1]:8081/hook")]
    public void Accepts_https_anywhere_and_http_to_loopback(string url) =>
        Assert.Null(Policy().Check(url, out _));

    [Theory]
    [InlineData("http://crm.example.com/hook", "https")]
    [InlineData("http://10.0.0.5/hook", "https")]
    [InlineData("ftp://crm.example.com/hook", "absolute https://")]
    [InlineData("/relative", "absolute https://")]
    [InlineData("https://user:pw@crm.example.com/hook", "user name or password")]
    [InlineData("https://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("http://169.254.169.254/latest/meta-data", "metadata")]
    [InlineData("https://169.254.10.1/hook", "link-local")]
    [InlineData("https://[fe80::1]/hook", "link-local")]
    [InlineData("https://[fd00:ec2::254]/hook", "metadata")]
    [InlineData("https://[::ffff:169.254.169.254]/hook", "metadata")]
    [InlineData("https://100.100.100.200/hook", "metadata")]
    [InlineData("https://metadata.google.internal/computeMetadata/v1/", "metadata")]
    [InlineData("https://METADATA.GOOGLE.INTERNAL./x", "metadata")]
    public void Refuses_plain_http_elsewhere_and_link_local_or_metadata_always(string url, string reason)
    {
        var refusal = Policy().Check(url, out var uri);
        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal);
        Assert.Null(uri);
    }

    public static TheoryData<string> MetadataSpellings => new()
    {
        "https://169.254.169.254./latest/meta-data",
        "https://169.254.169\uFF0E254/latest/meta-data",
        "https://169\u3002254\u3002169\u3002254/",
        "https://\uFF11\uFF16\uFF19.254.169.254/",
        "https://[::169.254.169.254]/latest/meta-data",
        "https://[::ffff:a9fe:a9fe]/",
        "https://[::ffff:0:169.254.169.254]/",
        "https://[64:ff9b::169.254.169.254]/",
        "https://[2002:a9fe:a9fe::1]/",
        "https://[2001:0:a9fe:a9fe::1]/",
        "https://2852039166/latest/meta-data",
        "https://0251.0376.0251.0376/",
        "https://0xa9.0xfe.0xa9.0xfe/",
        "https://0xa9fea9fe/",
        "https://169.254.43518/",
        "https://METADATA.google.internal\uFF0E/computeMetadata/v1/",
    };

    [Theory]
    [MemberData(nameof(MetadataSpellings))]
    public void Every_spelling_of_the_metadata_address_is_refused_at_registration(string url)
    {
        var refusal = Policy("169.254.169.254").Check(url, out var uri);
        Assert.True(refusal is not null && refusal.Contains("metadata"), $"{url} was {(refusal is null ? "accepted" : "refused for another reason: " + refusal)}");
        Assert.Null(uri);
    }

    [Theory]
    [MemberData(nameof(MetadataSpellings))]
    public async Task Every_spelling_of_the_metadata_address_is_refused_when_connecting(string url)
    {
        // Sending goes through the connector whatever the store holds: a URL written before these rules is refused too.
        var connector = new GuardedConnector(new StaticResolver());
        using var client = new HttpClient(new SocketsHttpHandler { ConnectCallback = connector.ConnectAsync, ConnectTimeout = TimeSpan.FromSeconds(5) });
        var target = new Uri(url);
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new UriBuilder(target) { Scheme = "http", Port = 80 }.Uri));
        var refused = Assert.IsType<AddressRefusedException>(failure.InnerException);
        Assert.Contains("metadata", refused.Message);
    }

    [Theory]
    [InlineData("https://crm.example.com./hook")]
    [InlineData("https://b\u00FCcher.example/hook")]
    [InlineData("https://[2001:db8::1]/hook")]
    [InlineData("https://10.0.0.5/hook")]
    public void Ordinary_hosts_in_any_spelling_are_still_accepted(string url) =>
        Assert.Null(Policy().Check(url, out _));

    [Fact]
    public void Hosts_named_in_config_may_use_plain_http_but_never_a_metadata_address()
    {
        var policy = Policy("crm.lan", "169.254.169.254");
        Assert.Null(policy.Check("http://crm.lan:8080/hook", out _));
        Assert.Null(policy.Check("http://CRM.LAN/hook", out _));
        Assert.Contains("metadata", policy.Check("http://169.254.169.254/", out _));
        Assert.Contains("https", policy.Check("http://other.lan/hook", out _));
    }

    [Fact]
    public async Task A_name_resolving_to_link_local_is_refused_at_registration()
    {
        var resolver = new StaticResolver { ["rebind.test"] = [IPAddress.Parse("169.254.169.254")], ["ok.test"] = [IPAddress.Parse("93.184.216.34")] };
        var policy = new WebhookAddressPolicy(Options.Create(new RelayOptions()), resolver);
        Assert.Contains("resolves to", await policy.CheckResolvedAsync(new Uri("https://rebind.test/hook"), CancellationToken.None));
        Assert.Null(await policy.CheckResolvedAsync(new Uri("https://ok.test/hook"), CancellationToken.None));
        Assert.Null(await policy.CheckResolvedAsync(new Uri("https://unknown.test/hook"), CancellationToken.None));
    }
}

/// <summary>A resolver that answers from a table and says "not found" otherwise; entries can change (DNS rebinding).</summary>
public sealed class StaticResolver : IHostResolver
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IPAddress[]> _table = new(StringComparer.OrdinalIgnoreCase);

    public IPAddress[] this[string host]
    {
        set => _table[host] = value;
    }

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        _table.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
}
