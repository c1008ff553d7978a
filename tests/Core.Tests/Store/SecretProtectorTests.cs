using System.Security.Cryptography;
using Cualify.Appliance.Core.Secrets;

namespace Cualify.Appliance.Core.Tests.Store;

public sealed class SecretProtectorTests
{
    [Fact]
    public void Secrets_round_trip_and_do_not_appear_in_the_stored_form()
    {
        var protector = new SecretProtector(RandomNumberGenerator.GetBytes(32));
        var stored = protector.Protect("twilio-auth-token-123");
        Assert.StartsWith("v1:", stored);
        Assert.DoesNotContain("twilio", stored);
        Assert.NotEqual(stored, protector.Protect("twilio-auth-token-123"));
        Assert.Equal("twilio-auth-token-123", protector.Unprotect(stored));
    }

    [Fact]
    public void Another_key_or_a_changed_byte_cannot_open_a_secret()
    {
        var stored = new SecretProtector(RandomNumberGenerator.GetBytes(32)).Protect("s3cret");
        Assert.ThrowsAny<CryptographicException>(() => new SecretProtector(RandomNumberGenerator.GetBytes(32)).Unprotect(stored));
        var key = RandomNumberGenerator.GetBytes(32);
        var protector = new SecretProtector(key);
        var tampered = "v1:" + Convert.ToBase64String(Convert.FromBase64String(protector.Protect("s3cret")[3..]).Select((b, i) => i == 20 ? (byte)(b ^ 1) : b).ToArray());
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(tampered));
    }
}
