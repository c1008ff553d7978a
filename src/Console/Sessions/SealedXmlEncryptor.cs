using System.Xml.Linq;
using Cualify.Appliance.Core.Secrets;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>Seals a console key's secret part with the install's secret key (AES-256-GCM), as the store's other secrets.</summary>
public sealed class SealedXmlEncryptor(SecretProtector secrets) : IXmlEncryptor
{
    public const string ElementName = "sealed";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement(ElementName, secrets.Protect(plaintextElement.ToString(SaveOptions.DisableFormatting))), typeof(SealedXmlDecryptor));
}

/// <summary>Opens what <see cref="SealedXmlEncryptor"/> sealed; made by data protection with the app's services.</summary>
public sealed class SealedXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        XElement.Parse(services.GetRequiredService<SecretProtector>().Unprotect(encryptedElement.Value));
}
