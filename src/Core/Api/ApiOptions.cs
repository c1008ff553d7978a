using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Core.Api;

/// <summary>Settings of the <c>Api</c> section, shared by the API and by the workers that build public links.</summary>
public sealed class ApiOptions : IValidatableObject
{
    public const string Section = "Api";

    /// <summary>Listen URLs, separated by <c>;</c>.</summary>
    [Required(ErrorMessage = "Api:Urls must name at least one listen URL, e.g. http://127.0.0.1:8080")]
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>The URL the outside world reaches the box at; enables unsubscribe, tracking and Twilio callbacks.</summary>
    public string? PublicBaseUrl { get; set; }

    public Uri? PublicBase => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : new Uri(PublicBaseUrl.TrimEnd('/') + "/");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0").Replace("+", "0.0.0.0"), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"Api:Urls has '{url}', which is not an http:// or https:// URL", [nameof(Urls)]);
            }
        }

        if (!string.IsNullOrWhiteSpace(PublicBaseUrl) &&
            (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var publicUri) || publicUri.Scheme is not ("http" or "https")))
        {
            yield return new ValidationResult($"Api:PublicBaseUrl must be an absolute http(s) URL such as https://dialer.example.com, not '{PublicBaseUrl}'", [nameof(PublicBaseUrl)]);
        }
    }
}
