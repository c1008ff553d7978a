using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cualify.Appliance.Core.Contacts;
using Fluid;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// Subject and body templates in Liquid (Fluid) over the contact: <c>{{ contact.first_name }}</c>,
/// <c>{{ contact.notes }}</c>, <c>{{ contact.metadata.company }}</c> (also <c>{{ metadata.company }}</c>).
/// Unknown variables render as empty text; syntax errors are found when a template is saved.
/// </summary>
public static partial class LiquidText
{
    private static readonly FluidParser Parser = new();
    private static readonly TemplateOptions Options = new();
    private static readonly ConcurrentDictionary<string, IFluidTemplate> Parsed = new(StringComparer.Ordinal);

    /// <summary>The syntax error of <paramref name="text"/> as "line L, column C: what", or null when it parses.</summary>
    public static string? FindError(string text)
    {
        if (Parser.TryParse(text, out _, out var error))
        {
            return null;
        }

        var firstLine = error.Split('\n')[0].Trim();
        var position = Position().Match(firstLine);
        return position.Success
            ? $"line {position.Groups["line"].Value}, column {position.Groups["column"].Value}: {firstLine[..position.Index].Trim()}"
            : firstLine;
    }

    /// <summary>Renders a template that was checked on save.</summary>
    public static string Render(string? text, Contact contact)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var template = Parsed.GetOrAdd(text, t => Parser.TryParse(t, out var parsed, out var error)
            ? parsed
            : throw new InvalidOperationException($"A stored template does not parse: {error}"));
        if (Parsed.Count > 10_000)
        {
            Parsed.Clear();
        }

        var metadata = ToPlain(JsonDocument.Parse(contact.Metadata).RootElement);
        var model = new Dictionary<string, object?>
        {
            ["contact"] = new Dictionary<string, object?>
            {
                ["id"] = contact.Id,
                ["name"] = contact.Name,
                ["first_name"] = contact.FirstName,
                ["last_name"] = contact.LastName,
                ["email"] = contact.Email,
                ["phone_e164"] = contact.PhoneE164,
                ["language_pref"] = contact.LanguagePref,
                ["notes"] = contact.Notes,
                ["metadata"] = metadata,
            },
            ["metadata"] = metadata,
        };
        return template.Render(new TemplateContext(model, Options), NullEncoder.Default);
    }

    private static object? ToPlain(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToPlain(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().Select(ToPlain).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    [GeneratedRegex(@"at \((?<line>\d+):(?<column>\d+)\)")]
    private static partial Regex Position();
}
