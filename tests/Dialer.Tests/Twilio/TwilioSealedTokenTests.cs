using System.Security.Cryptography;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

/// <summary>The auth token may sit in the settings sealed under the install's secret key, never in clear.</summary>
public sealed class TwilioSealedTokenTests
{
    [Fact]
    public async Task A_sealed_auth_token_is_opened_and_twilio_accepts_it()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        var key = RandomNumberGenerator.GetBytes(32);
        var settings = TwilioTestHost.Settings(twilio);
        settings["Store:SecretKey"] = Convert.ToBase64String(key);
        settings["Dialer:Twilio:AuthToken"] = SealedSetting.Seal(new SecretProtector(key), twilio.AuthToken);
        Assert.DoesNotContain(twilio.AuthToken, settings["Dialer:Twilio:AuthToken"]);

        await using var appliance = await RunningAppliance.StartAsync(settings: settings);
        using var client = appliance.Client();
        var body = await (await client.GetAsync("/readyz")).ExpectAsync(200);

        Assert.True((bool)body["checks"]!["twilio"]!["ready"]!);
        Assert.Contains(FakeTwilio.Sid, (string?)body["checks"]!["twilio"]!["detail"]);
    }

    [Fact]
    public async Task A_token_sealed_under_another_install_stops_start_up_naming_the_setting()
    {
        await using var twilio = await FakeTwilio.StartAsync();
        using var data = new TempDirectory("twilio-sealed");
        var settings = TwilioTestHost.Settings(twilio);
        settings["Store:SecretKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        settings["Dialer:Twilio:AuthToken"] = SealedSetting.Seal(new SecretProtector(RandomNumberGenerator.GetBytes(32)), twilio.AuthToken);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningAppliance.StartAsync(data.Path, settings));

        Assert.Contains("Dialer:Twilio:AuthToken is sealed, but not with this install's secret key", error.Message);
        Assert.DoesNotContain(twilio.AuthToken, error.Message);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
