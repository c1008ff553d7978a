using Cualify.Appliance.Dialer.Twilio;

namespace Cualify.Appliance.Dialer.Tests.Twilio;

public sealed class TwilioSignatureTests
{
    private const string AuthToken = "12345";
    private const string Url = "https://mycompany.com/myapp.php?foo=1&bar=2";

    // Twilio's published request-validation example: the docs page's current parameters, and the ones its
    // helper libraries' validator tests (and earlier docs) use, each with the signature Twilio gives for it.
    public static TheoryData<string, string> PublishedExamples => new()
    {
        { "+14158675310", "GvWf1cFY/Q7PnoempGyD5oXAezc=" },
        { "+14158675309", "RSOYDt4T1cUTdK1PDd93/VVr8B8=" },
    };

    private static Dictionary<string, string> Parameters(string caller) => new()
    {
        ["To"] = "+18005551212",
        ["From"] = caller,
        ["Digits"] = "1234",
        ["CallSid"] = "CA1234567890ABCDE",
        ["Caller"] = caller,
    };

    [Theory]
    [MemberData(nameof(PublishedExamples))]
    public void Computes_Twilios_published_signature(string caller, string expected)
    {
        Assert.Equal(expected, FakeTwilioCall.Sign(AuthToken, Url, Parameters(caller)));
        Assert.True(TwilioSignature.IsValid(AuthToken, Url, Parameters(caller), expected));
    }

    [Theory]
    [MemberData(nameof(PublishedExamples))]
    public void Refuses_a_tampered_request(string caller, string signature)
    {
        var tamperedDigits = Parameters(caller);
        tamperedDigits["Digits"] = "9";
        var addedParameter = Parameters(caller);
        addedParameter["CallStatus"] = "completed";
        var removedParameter = Parameters(caller);
        removedParameter.Remove("Digits");

        Assert.False(TwilioSignature.IsValid(AuthToken, Url, tamperedDigits, signature));
        Assert.False(TwilioSignature.IsValid(AuthToken, Url, addedParameter, signature));
        Assert.False(TwilioSignature.IsValid(AuthToken, Url, removedParameter, signature));
        Assert.False(TwilioSignature.IsValid(AuthToken, "https://mycompany.com/myapp.php?foo=1&bar=3", Parameters(caller), signature));
        Assert.False(TwilioSignature.IsValid("54321", Url, Parameters(caller), signature));
        Assert.False(TwilioSignature.IsValid(AuthToken, Url, Parameters(caller), signature[..^2] + "A="));
        Assert.False(TwilioSignature.IsValid(AuthToken, Url, Parameters(caller), null));
        Assert.False(TwilioSignature.IsValid(AuthToken, Url, Parameters(caller), ""));
    }

    [Fact]
    public void Sorts_parameter_names_case_sensitively()
    {
        var parameters = new Dictionary<string, string> { ["b"] = "1", ["B"] = "2", ["a"] = "3" };
        var sorted = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(
            "12345"u8.ToArray(), System.Text.Encoding.UTF8.GetBytes("https://x.test/cbB2a3b1")));
        var ignoringCase = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(
            "12345"u8.ToArray(), System.Text.Encoding.UTF8.GetBytes("https://x.test/cba3b1B2")));

        Assert.True(TwilioSignature.IsValid(AuthToken, "https://x.test/cb", parameters, sorted));
        Assert.False(TwilioSignature.IsValid(AuthToken, "https://x.test/cb", parameters, ignoringCase));
    }

    [Fact]
    public void Accepts_the_url_signed_with_or_without_its_default_port()
    {
        var parameters = Parameters("+14158675310");
        var withPort = FakeTwilioCall.Sign(AuthToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters);

        Assert.True(TwilioSignature.IsValid(AuthToken, Url, parameters, withPort));
        Assert.True(TwilioSignature.IsValid(AuthToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters, "GvWf1cFY/Q7PnoempGyD5oXAezc="));
    }
}
