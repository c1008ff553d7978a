using System.Globalization;
using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Cualify.Appliance.LocalApi.Providers;

/// <summary>
/// Reads the form of a request to a public Twilio endpoint within bounds, before its signature is checked: anyone
/// can post there, and Twilio's own forms are a few dozen short fields. Too big a body is a <c>413</c>, too many
/// fields or too long a name or value a <c>400</c>, both in the error envelope and without reading further.
/// </summary>
public static class TwilioForm
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxFields = 256;
    public const int MaxValueLength = 8 * 1024;
    public const int MaxNameLength = 128;

    private static readonly FormOptions Limits = new()
    {
        BufferBody = false,
        ValueCountLimit = MaxFields,
        ValueLengthLimit = MaxValueLength,
        KeyLengthLimit = MaxNameLength,
        MultipartBodyLengthLimit = MaxBodyBytes,
    };

    /// <summary>The fields by name (a repeated name's values joined with commas); empty when the body is no form.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        if (!request.HasFormContentType)
        {
            return new Dictionary<string, string>(StringComparer.Ordinal);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(Limits, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge();
        }
        catch (InvalidDataException)
        {
            throw ApplianceException.BadRequest(string.Create(CultureInfo.InvariantCulture,
                $"The form is not one Twilio sends: at most {MaxFields} fields, names up to {MaxNameLength} and values up to {MaxValueLength} characters"));
        }

        return form.ToDictionary(field => field.Key, field => field.Value.ToString(), StringComparer.Ordinal);
    }

    private static ApplianceException TooLarge() =>
        new(ErrorKind.TooLarge, string.Create(CultureInfo.InvariantCulture, $"The form is larger than the {MaxBodyBytes} bytes a Twilio request can be"));
}
