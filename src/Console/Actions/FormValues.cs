using System.Globalization;
using Cualify.Appliance.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.OperatorConsole.Actions;

/// <summary>Values of a posted console form: an empty field is not given, as an absent JSON field is not.</summary>
public static class FormValues
{
    public static string? Text(IFormCollection form, string field) =>
        form[field].ToString().Trim() is { Length: > 0 } text ? text : null;

    /// <summary>A whole number, or null when empty; anything else is a field error saying <paramref name="what"/>.</summary>
    public static int? Number(IFormCollection form, string field, FieldErrors errors, string what = "a whole number")
    {
        if (Text(form, field) is not { } text)
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        errors.Add(field, $"{field} must be {what}");
        return null;
    }
}
