using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cualify.Appliance.Core.Json;

/// <summary>The one JSON shape of the contract: snake_case names, enums as snake_case strings, UTC timestamps with Z.</summary>
public static class ApplianceJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.DictionaryKeyPolicy = null;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.Converters.Add(new UtcTimestampJsonConverter());
        options.Converters.Add(new NullableUtcTimestampJsonConverter());
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses stored JSON text into an element the API can return as is.</summary>
    public static JsonElement Element(string? json) =>
        string.IsNullOrEmpty(json) ? JsonSerializer.SerializeToElement(new { }) : JsonDocument.Parse(json).RootElement.Clone();
}
