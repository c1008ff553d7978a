using System.Text;
using Cualify.Appliance.Relay.Signing;

namespace Cualify.Appliance.Relay.Tests;

public sealed class SignatureTests
{
    // The published Standard Webhooks test vector.
    private const string VectorKey = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string VectorTimestamp = "1614265330";
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void The_independent_verifier_accepts_the_published_vector_and_rejects_a_tampered_body()
    {
        Assert.True(Verify.StandardSignature(VectorKey, VectorId, VectorTimestamp, VectorBody, VectorSignature));
        Assert.True(Verify.StandardSignature(VectorKey, VectorId, VectorTimestamp, VectorBody, "v1,bm9wZQ== " + VectorSignature));
        Assert.False(Verify.StandardSignature(VectorKey, VectorId, VectorTimestamp, "{\"test\": 2432232315}", VectorSignature));
        Assert.False(Verify.StandardSignature(VectorKey, VectorId, "1614265331", VectorBody, VectorSignature));
    }

    [Fact]
    public void The_production_signer_reproduces_the_published_vector_from_a_whsec_key()
    {
        var secret = WebhookSecret.FromStandardWebhooks(VectorKey);
        var signature = WebhookSigner.StandardSignature(secret.Key, VectorId, long.Parse(VectorTimestamp), Encoding.UTF8.GetBytes(VectorBody));
        Assert.Equal(VectorSignature, signature);
    }

    [Fact]
    public void Our_secret_is_one_key_in_two_forms_both_schemes_sign_with_its_utf8_hex_bytes()
    {
        var secret = WebhookSecret.Generate();
        Assert.Matches("^[0-9a-f]{64}$", secret.Hex);
        Assert.Equal("whsec_" + Convert.ToBase64String(Encoding.UTF8.GetBytes(secret.Hex!)), secret.StandardWebhooks);
        Assert.Equal(Encoding.UTF8.GetBytes(secret.Hex!), WebhookSecret.FromStandardWebhooks(secret.StandardWebhooks).Key);

        var body = Encoding.UTF8.GetBytes("{\"id\":\"evt_1\",\"event\":\"contact.created\"}");
        var at = DateTimeOffset.FromUnixTimeSeconds(1_780_000_000);
        var headers = WebhookSigner.Sign("evt_1", at, body, secret, previous: null);
        var text = Encoding.UTF8.GetString(body);
        Assert.True(Verify.CualifySignature(secret.Hex!, text, headers.CualifySignature));
        Assert.True(Verify.StandardSignature(secret.StandardWebhooks, headers.WebhookId, headers.WebhookTimestamp, text, headers.WebhookSignature));
        Assert.Equal("1780000000", headers.WebhookTimestamp);
        Assert.Null(headers.PreviousCualifySignature);
        Assert.DoesNotContain(' ', headers.WebhookSignature);
    }

    [Fact]
    public void During_rotation_both_secrets_sign_and_each_verifies_on_its_own()
    {
        var current = WebhookSecret.Generate();
        var previous = WebhookSecret.Generate();
        var text = "{\"id\":\"evt_2\"}";
        var headers = WebhookSigner.Sign("evt_2", DateTimeOffset.FromUnixTimeSeconds(1_780_000_000), Encoding.UTF8.GetBytes(text), current, previous);

        Assert.Equal(2, headers.WebhookSignature.Split(' ').Length);
        Assert.True(Verify.StandardSignature(current.StandardWebhooks, "evt_2", headers.WebhookTimestamp, text, headers.WebhookSignature));
        Assert.True(Verify.StandardSignature(previous.StandardWebhooks, "evt_2", headers.WebhookTimestamp, text, headers.WebhookSignature));
        Assert.True(Verify.CualifySignature(current.Hex!, text, headers.CualifySignature));
        Assert.True(Verify.CualifySignature(previous.Hex!, text, headers.PreviousCualifySignature!));
        Assert.False(Verify.StandardSignature(WebhookSecret.Generate().StandardWebhooks, "evt_2", headers.WebhookTimestamp, text, headers.WebhookSignature));
    }
}
