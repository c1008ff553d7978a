using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Mailer;

/// <summary>Optional DKIM signing of every outgoing message.</summary>
public sealed class DkimOptions
{
    public string? Domain { get; set; }

    public string? Selector { get; set; }

    /// <summary>A PEM file with the RSA private key.</summary>
    public string? PrivateKeyPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Domain);

    internal void Validate(List<ValidationResult> results)
    {
        if (!Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Selector))
        {
            results.Add(new ValidationResult("Mailer:Dkim:Selector is required when Mailer:Dkim:Domain is set", [nameof(Selector)]));
        }

        if (string.IsNullOrWhiteSpace(PrivateKeyPath) || !File.Exists(PrivateKeyPath))
        {
            results.Add(new ValidationResult($"Mailer:Dkim:PrivateKeyPath must name a readable PEM key file (got '{PrivateKeyPath}')", [nameof(PrivateKeyPath)]));
        }
    }
}
