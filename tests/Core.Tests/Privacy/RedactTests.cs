
using Cualify.Appliance.Core.Privacy;

namespace Cualify.Appliance.Core.Tests.Privacy;

public sealed class RedactTests
{
    [Fact]
    public void Keys_secrets_numbers_and_addresses_are_masked()
    {
        var line = "key cuk_live_abc12345_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef called +919812345678 and +1 (202) 555-0123 for riya.sharma@example.com "
                   + "secret 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var masked = Redact.Text(line);
        Assert.DoesNotContain("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", masked);
        Assert.Contains("cuk_live_abc12345_…", masked);
        Assert.DoesNotContain("9812345678", masked);
        Assert.DoesNotContain("555-0123", masked);
        Assert.DoesNotContain("riya.sharma", masked);
        Assert.Contains("r***@example.com", masked);
        Assert.DoesNotContain("0123456789abcdef0123456789abcdef0123456789abcdef", masked);
        Assert.DoesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", masked);
    }

    [Fact]
    public void Ordinary_text_and_ids_stay_readable()
    {
        const string line = "Call 01a21482-8645-756c-afd4-0ffc84dc4352 settled 1420 paise after 142 s";
        Assert.Equal(line, Redact.Text(line));
    }
}
