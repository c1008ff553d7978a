using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Cualify.Appliance.Testing;

/// <summary>Small helpers to call the API with JSON and read the answers as a user would.</summary>
public static class ApiJson
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object body) =>
        client.PatchAsync(path, JsonContent.Create(body));

    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string path, string rawJson) =>
        client.PostAsync(path, new StringContent(rawJson, System.Text.Encoding.UTF8, "application/json"));

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new JsonException($"Empty body with {(int)response.StatusCode}");
    }

    /// <summary>Asserts the status and returns the parsed body.</summary>
    public static async Task<JsonNode> ExpectAsync(this HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>Asserts the status and the contract's error envelope, and returns its <c>error</c> object.</summary>
    public static async Task<JsonObject> ExpectErrorAsync(this HttpResponseMessage response, int status, string code, string? param = null)
    {
        var body = await response.ExpectAsync(status);
        var error = body["error"]?.AsObject() ?? throw new Xunit.Sdk.XunitException($"No error envelope: {body.ToJsonString()}");
        Assert.Equal(code, (string?)error["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]), "error.message must say what is wrong");
        if (param is not null)
        {
            Assert.Equal(param, (string?)error["param"]);
        }

        return error;
    }
}
