using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Cualify.Appliance.Core.Json;

namespace Cualify.Appliance.Core.Contacts;

/// <summary>
/// Writes a contact's <see cref="ContactView"/> as UTF-8 JSON into one reused buffer, byte for byte what
/// <c>ApplianceJson.Serialize(ContactView.From(contact))</c> gives, without the view, the parsed metadata document
/// or the serializer's reflection per row (an import writes one <c>contact.created</c> event a row).
/// </summary>
internal sealed class ContactViewJson : IDisposable
{
    private static readonly JsonEncodedText Id = Name(nameof(ContactView.Id));
    private static readonly JsonEncodedText PhoneE164 = Name(nameof(ContactView.PhoneE164));
    private static readonly JsonEncodedText FullName = Name(nameof(ContactView.Name));
    private static readonly JsonEncodedText FirstName = Name(nameof(ContactView.FirstName));
    private static readonly JsonEncodedText LastName = Name(nameof(ContactView.LastName));
    private static readonly JsonEncodedText Email = Name(nameof(ContactView.Email));
    private static readonly JsonEncodedText LanguagePref = Name(nameof(ContactView.LanguagePref));
    private static readonly JsonEncodedText Notes = Name(nameof(ContactView.Notes));
    private static readonly JsonEncodedText Metadata = Name(nameof(ContactView.Metadata));
    private static readonly JsonEncodedText ConsentCapture = Name(nameof(ContactView.ConsentCapture));
    private static readonly JsonEncodedText ConsentAt = Name(nameof(ContactView.ConsentAt));
    private static readonly JsonEncodedText OptedOut = Name(nameof(ContactView.OptedOut));
    private static readonly JsonEncodedText OptedOutChannels = Name(nameof(ContactView.OptedOutChannels));
    private static readonly JsonEncodedText EmailStatus = Name(nameof(ContactView.EmailStatus));
    private static readonly JsonEncodedText UpdatedAt = Name(nameof(ContactView.UpdatedAt));
    private static readonly JsonEncodedText CreatedAt = Name(nameof(ContactView.CreatedAt));

    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;
    private DateTimeOffset _lastTime;
    private string _lastTimeText = "";

    public ContactViewJson()
    {
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = ApplianceJson.Options.Encoder, SkipValidation = true });
    }

    /// <summary>
    /// The contact's view as JSON, valid until the next call; its metadata must be as <see cref="ContactStore"/> stores
    /// it on insert (<c>JsonNode.ToJsonString()</c>: minified, default escaping).
    /// </summary>
    public ReadOnlySpan<byte> Write(Contact contact)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteString(Id, contact.Id);
        WriteText(PhoneE164, contact.PhoneE164);
        WriteText(FullName, contact.Name);
        WriteText(FirstName, contact.FirstName);
        WriteText(LastName, contact.LastName);
        WriteText(Email, contact.Email);
        WriteText(LanguagePref, contact.LanguagePref);
        WriteText(Notes, contact.Notes);
        _json.WritePropertyName(Metadata);
        WriteMetadata(contact.Metadata);
        WriteText(ConsentCapture, contact.ConsentCapture);
        WriteText(ConsentAt, contact.ConsentAt is { } consentAt ? TimestampText(consentAt) : null);
        _json.WriteBoolean(OptedOut, contact.OptedOut);
        _json.WriteStartArray(OptedOutChannels);
        if (contact.OptedOutVoice)
        {
            _json.WriteStringValue(ContactChannel.Voice);
        }

        if (contact.OptedOutEmail)
        {
            _json.WriteStringValue(ContactChannel.Email);
        }

        _json.WriteEndArray();
        _json.WriteString(EmailStatus, contact.EmailStatus);
        _json.WriteString(UpdatedAt, TimestampText(contact.UpdatedAt));
        _json.WriteString(CreatedAt, TimestampText(contact.CreatedAt));
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _json.Dispose();

    private static JsonEncodedText Name(string property) =>
        JsonEncodedText.Encode(ApplianceJson.Options.PropertyNamingPolicy!.ConvertName(property), ApplianceJson.Options.Encoder);

    private void WriteText(JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            _json.WriteNull(name);
        }
        else
        {
            _json.WriteString(name, value);
        }
    }

    /// <summary>
    /// The view carries the stored metadata as a parsed element, which the serializer writes back minified with its
    /// own (relaxed) escaping. Stored metadata is minified JSON with the default escaping, so text without a single
    /// backslash has no escapes at all and comes out of that round trip unchanged; only text with escapes is parsed.
    /// </summary>
    private void WriteMetadata(string stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            _json.WriteStartObject();
            _json.WriteEndObject();
        }
        else if (!stored.Contains('\\'))
        {
            _json.WriteRawValue(stored, skipInputValidation: true);
        }
        else
        {
            using var document = JsonDocument.Parse(stored);
            document.RootElement.WriteTo(_json);
        }
    }

    /// <summary>A batch's rows share one timestamp, so the last one formatted is kept.</summary>
    private string TimestampText(DateTimeOffset value)
    {
        if (value != _lastTime || _lastTimeText.Length == 0)
        {
            _lastTime = value;
            _lastTimeText = value.UtcDateTime.ToString(UtcTimestampJsonConverter.Format, CultureInfo.InvariantCulture);
        }

        return _lastTimeText;
    }
}
