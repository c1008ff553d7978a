using Cualify.Appliance.Dialer.Telephony;
using Cualify.Appliance.Dialer.Twilio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>
/// The real appliance (<c>Dialer:Provider=twilio</c>) listening on a loopback port that is also its
/// <c>Api:PublicBaseUrl</c>, so the Twilio stand-in's signed callbacks reach its public endpoints.
/// </summary>
public sealed class TwilioApplianceFixture : IAsyncLifetime
{
    public FakeTwilio Twilio { get; private set; } = null!;

    public RunningAppliance Appliance { get; private set; } = null!;

    public Uri PublicBase { get; private set; } = null!;

    public TwilioTelephonyProvider Provider => Appliance.Get<TwilioTelephonyProvider>();

    public async Task InitializeAsync()
    {
        Twilio = await FakeTwilio.StartAsync();
        var port = FreePorts.Tcp();
        PublicBase = new Uri($"http://127.0.0.1:{port}/");
        var settings = TwilioTestHost.Settings(Twilio);
        settings["Api:Urls"] = $"http://127.0.0.1:{port}";
        settings["Api:PublicBaseUrl"] = PublicBase.ToString();
        // Callbacks must do the work: the safety poll would only run after an hour.
        settings["Dialer:Twilio:CallbackSafetyPollInterval"] = "01:00:00";
        Appliance = await RunningAppliance.StartAsync(settings: settings);
    }

    public async Task<(DialerLikeProgress Progress, IProviderCall Call, FakeTwilioCall Placed)> StartCallAsync(CallPlan plan)
    {
        var progress = new DialerLikeProgress(plan);
        var call = await Provider.StartAsync(plan, progress, CancellationToken.None);
        progress.Call = call;
        return (progress, call, await Twilio.NextCallAsync());
    }

    public async Task DisposeAsync()
    {
        await Appliance.DisposeAsync();
        await Twilio.DisposeAsync();
    }
}
