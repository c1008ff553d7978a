using Cualify.Appliance.Testing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Tests;

/// <summary>Dialer settings are checked at start; a bad one stops the appliance with a message naming it.</summary>
public sealed class DialerOptionsTests
{
    [Theory]
    [InlineData("Dialer:RingTimeout", "00:00:10", "Dialer:RingTimeout")]
    [InlineData("Dialer:Provider", "carrier-pigeon", "Dialer:Provider")]
    [InlineData("Dialer:MaxCallDuration", "2.00:00:00", "Dialer:MaxCallDuration")]
    [InlineData("Dialer:MaxConcurrentCalls", "0", "Dialer:MaxConcurrentCalls")]
    [InlineData("Dialer:CallsPerSecond", "0", "Dialer:CallsPerSecond")]
    public async Task A_bad_dialer_setting_stops_start_up_naming_it(string key, string value, string named)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningAppliance.StartAsync(settings: new Dictionary<string, string?> { [key] = value }));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task An_unknown_provider_stops_start_up_naming_the_setting_and_the_choices()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningAppliance.StartAsync(settings: new Dictionary<string, string?> { ["Dialer:Provider"] = "vonage" }));
        Assert.Contains("Dialer:Provider", error.Message);
        Assert.Contains("'vonage'", error.Message);
        Assert.Contains("simulator", error.Message);
        Assert.Contains("twilio", error.Message);
    }
}
