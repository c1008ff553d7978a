using System.Security.Cryptography;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Mailer.Sending;
using Cualify.Appliance.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>Optional DKIM: a signed message verifies against the published public key and breaks when altered.</summary>
public sealed class DkimTests
{
    [Fact]
    public async Task A_signed_step_verifies_with_the_selectors_public_key()
    {
        using var folder = new TempDirectory("dkim");
        using var rsa = RSA.Create(2048);
        var keyPath = folder.Combine("dkim.pem");
        await File.WriteAllTextAsync(keyPath, rsa.ExportRSAPrivateKeyPem());
        var options = new MailerOptions { Dkim = new DkimOptions { Domain = "cualify.test", Selector = "mail2026", PrivateKeyPath = keyPath } };
        var composer = new MessageComposer(Microsoft.Extensions.Options.Options.Create(options),
            Microsoft.Extensions.Options.Options.Create(new ApiOptions { PublicBaseUrl = "https://dialer.cualify.test" }), TimeProvider.System);
        var email = new OutgoingEmail("step-1", "org", "enr_1", "contact", 1, 1, "sales@cualify.test", "maria@example.com", "Maria",
            "Re: Pricing", "Hola María,\nsigue en pie?", "m2@cualify.test", "m1@cualify.test", ["m1@cualify.test"], new string('a', 32));

        var message = composer.Compose(email, new MailboxOptions { Address = "sales@cualify.test" });

        var signature = message.Headers[HeaderId.DkimSignature];
        Assert.Contains("d=cualify.test", signature);
        Assert.Contains("s=mail2026", signature);
        var verifier = new DkimVerifier(new OneKeyLocator(Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo())));
        var header = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.True(await verifier.VerifyAsync(message, header));

        message.Subject = "Re: Pricing (changed)";
        Assert.False(await verifier.VerifyAsync(message, header));
    }

    private sealed class OneKeyLocator(string publicKeyBase64) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey($"v=DKIM1; k=rsa; p={publicKeyBase64}");

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
