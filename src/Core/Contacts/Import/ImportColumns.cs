using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Errors;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>
/// The header of an import file: which column holds which contact field. Names are matched without regard to
/// case or surrounding spaces; <c>metadata.&lt;key&gt;</c> columns fill the contact's metadata with text values.
/// A header without <c>phone_e164</c>, with an unknown or a repeated column is refused as a whole, before any
/// row is imported, so a misspelt column never silently drops a field.
/// </summary>
public sealed class ImportColumns
{
    public const string MetadataPrefix = "metadata.";

    public static readonly IReadOnlyList<string> Fields =
        ["phone_e164", "name", "first_name", "last_name", "email", "language_pref", "consent_capture", "notes"];

    private readonly string?[] _fieldOf;

    private ImportColumns(string?[] fieldOf) => _fieldOf = fieldOf;

    public int Count => _fieldOf.Length;

    public static ImportColumns Parse(IReadOnlyList<string> header)
    {
        var fieldOf = new string?[header.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim().TrimStart('\uFEFF').Trim();
            var lower = name.ToLowerInvariant();
            var key = lower.StartsWith(MetadataPrefix, StringComparison.Ordinal) ? MetadataPrefix + name[MetadataPrefix.Length..] : lower;
            if (lower.Length == 0)
            {
                throw Refused($"Column {i + 1} of the header row has no name; name every column");
            }

            if (!Fields.Contains(key) && !(key.StartsWith(MetadataPrefix, StringComparison.Ordinal) && key.Length > MetadataPrefix.Length))
            {
                throw Refused($"The header names an unknown column '{Shorten(name)}'; the columns are {string.Join(", ", Fields)} and metadata.<key>");
            }

            if (!seen.Add(key))
            {
                throw Refused($"The header names the column '{Shorten(name)}' twice");
            }

            fieldOf[i] = key;
        }

        if (!seen.Contains("phone_e164"))
        {
            throw Refused("The header row has no phone_e164 column; the first row must name the columns, e.g. phone_e164,first_name,last_name,consent_capture");
        }

        return new ImportColumns(fieldOf);
    }

    /// <summary>The row as an upsert: an empty cell leaves that field as it is.</summary>
    public ContactInput ToInput(IReadOnlyList<string> row)
    {
        string? phone = null, name = null, first = null, last = null, email = null, language = null, consent = null, notes = null;
        JsonObject? metadata = null;
        for (var i = 0; i < row.Count; i++)
        {
            var value = row[i];
            if (value.Length == 0)
            {
                continue;
            }

            switch (_fieldOf[i])
            {
                case "phone_e164": phone = value; break;
                case "name": name = value; break;
                case "first_name": first = value; break;
                case "last_name": last = value; break;
                case "email": email = value; break;
                case "language_pref": language = value; break;
                case "consent_capture": consent = value.Trim(); break;
                case "notes": notes = value; break;
                case { } key:
                    metadata ??= [];
                    metadata[key[MetadataPrefix.Length..]] = value;
                    break;
            }
        }

        return new ContactInput(phone, name, first, last, email, language, notes, metadata, consent);
    }

    private static ApplianceException Refused(string message) => new FieldErrors().Add("file", message).ToException();

    private static string Shorten(string name) => name.Length <= 60 ? name : name[..60] + "…";
}
