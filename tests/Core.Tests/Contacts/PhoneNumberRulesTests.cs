
using Cualify.Appliance.Core.Contacts;

namespace Cualify.Appliance.Core.Tests.Contacts;

public sealed class PhoneNumberRulesTests
{
    [Theory]
    [InlineData("+91 98123 45678", "+919812345678")]
    [InlineData("+919812345678", "+919812345678")]
    [InlineData("+1 (202) 555-0123", "+12025550123")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    public void International_numbers_normalise_to_E164(string input, string expected) =>
        Assert.Equal(expected, PhoneNumberRules.ToE164(input));

    [Theory]
    [InlineData("9812345678")]
    [InlineData("+91 98123")]
    [InlineData("+999 1234567")]
    [InlineData("not a number")]
    [InlineData("")]
    public void Invalid_or_national_numbers_are_refused(string input) => Assert.Null(PhoneNumberRules.ToE164(input));

    [Fact]
    public void An_indian_and_a_us_number_ring_in_different_zones()
    {
        var india = PhoneNumberRules.TimeZonesOf("+919812345678");
        var dc = PhoneNumberRules.TimeZonesOf("+12025550123");
        Assert.Contains(india, z => z.BaseUtcOffset == TimeSpan.FromHours(5.5));
        Assert.Contains(dc, z => z.BaseUtcOffset == TimeSpan.FromHours(-5));
    }
}
