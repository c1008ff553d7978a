using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Dialer.Sip;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary><c>doctor</c>'s <c>sip-trunk</c> check, registered as the composition root registers it, against sipp.</summary>
public sealed class SipDoctorTests
{
    [Fact]
    public async Task With_the_sip_provider_doctor_asks_the_trunk_for_OPTIONS_and_reports_its_answer()
    {
        await using var sipp = SippRun.StartUas("uas_options.xml");
        await using var services = Services("sip", $"127.0.0.1:{sipp.Port}");

        var check = Assert.IsType<SipTrunkDoctorCheck>(services.GetRequiredService(Assert.Single(SipChecks(services)).CheckType));
        var result = await check.RunAsync(CancellationToken.None);

        await sipp.AssertSucceededAsync();
        Assert.Equal("sip-trunk", check.Name);
        Assert.Equal(DoctorStatus.Ok, result.Status);
        Assert.Contains("answered OPTIONS with 200 OK", result.Detail);
    }

    [Fact]
    public async Task A_silent_trunk_fails_the_check_with_the_setting_to_look_at()
    {
        await using var services = Services("sip", $"127.0.0.1:{FreePorts.Udp()}");
        var check = services.GetRequiredService<SipTrunkDoctorCheck>();

        var result = await check.RunAsync(CancellationToken.None);

        Assert.Equal(DoctorStatus.Fail, result.Status);
        Assert.Contains("did not answer OPTIONS", result.Detail);
        Assert.Contains("Dialer:Sip:Trunk", result.Fix);
    }

    [Fact]
    public async Task Over_TLS_with_any_certificate_accepted_doctor_warns_even_though_the_trunk_answers()
    {
        using var certificates = new TestCertificates();
        await using var sipp = await SippRun.StartTcpUasAsync("uas_options.xml");
        await using var frontEnd = new TlsFrontEnd(certificates.Server("wrong.example", selfSigned: true), sipp.Port);
        await using var services = Services("sip", $"127.0.0.1:{frontEnd.Port}", new Dictionary<string, string?>
        {
            ["Dialer:Sip:Transport"] = "tls",
            ["Dialer:Sip:TlsAcceptAnyCertificate"] = "true",
        });
        var check = services.GetRequiredService<SipTrunkDoctorCheck>();

        var result = await check.RunAsync(CancellationToken.None);

        await sipp.AssertSucceededAsync();
        Assert.Equal(DoctorStatus.Warn, result.Status);
        Assert.Contains("answered OPTIONS with 200 OK", result.Detail);
        Assert.Contains("Dialer:Sip:TlsAcceptAnyCertificate", result.Detail);
        Assert.Contains("Dialer:Sip:TlsCaFile", result.Fix);
    }

    [Fact]
    public async Task Without_the_sip_provider_doctor_has_no_trunk_to_check()
    {
        await using var services = Services("simulator", "");

        Assert.Empty(SipChecks(services));
    }

    private static IEnumerable<DoctorCheckRegistration> SipChecks(IServiceProvider services) =>
        services.GetServices<DoctorCheckRegistration>().Where(r => r.CheckType == typeof(SipTrunkDoctorCheck));

    private static ServiceProvider Services(string provider, string trunk, IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Dialer:Provider"] = provider,
            ["Dialer:Sip:Trunk"] = trunk,
            ["Dialer:Sip:LocalAddress"] = "127.0.0.1",
            ["Dialer:Sip:RtpPorts"] = "20000-27999",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddSipTelephony(configuration).BuildServiceProvider();
    }
}
