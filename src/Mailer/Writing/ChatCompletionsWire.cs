using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Sequences.Writing;

namespace Cualify.Appliance.Mailer.Writing;

/// <summary>
/// The chat-completions wire format as OpenAI documents it and vLLM, Ollama and llama.cpp serve it: the request body
/// with <c>response_format: {type: "json_schema", json_schema: {name, strict, schema}}</c>, and reading
/// <c>choices[0].message</c> (<c>content</c>, <c>refusal</c>), <c>finish_reason</c> and <c>model</c> from the answer,
/// or <c>error.type</c> / <c>error.code</c> from an error body.
/// </summary>
internal static class ChatCompletionsWire
{
    public static string RequestBody(WriterRequest request)
    {
        var messages = new JsonArray();
        foreach (var message in request.Messages)
        {
            messages.Add(new JsonObject { ["role"] = message.Role, ["content"] = message.Content });
        }

        return new JsonObject
        {
            ["model"] = request.Model,
            ["messages"] = messages,
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject
                {
                    ["name"] = request.SchemaName,
                    ["strict"] = true,
                    ["schema"] = request.Schema.DeepClone(),
                },
            },
            ["stream"] = false,
        }.ToJsonString();
    }

    /// <summary>The reply read from a 200 answer; a body that is not a chat completion is a failure.</summary>
    public static WriterReply ReadCompletion(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || !choices[0].TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                return WriterReply.Failure("the writer's answer was JSON but not a chat completion (no choices[0].message)");
            }

            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var finish = choices[0].TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (message.TryGetProperty("refusal", out var refusal) && refusal.ValueKind == JsonValueKind.String && refusal.GetString()!.Length > 0)
            {
                return new WriterReply(WriterOutcome.Refused, null, model, finish, "the model refused to write this step");
            }

            return new WriterReply(WriterOutcome.Answered, Content(message), model, finish, null);
        }
        catch (JsonException)
        {
            return WriterReply.Failure("the writer's answer was not JSON");
        }
    }

    /// <summary>"503 (server_error)": the status and, when the body is an OpenAI error, its type and code; never its message.</summary>
    public static string DescribeError(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var kinds = new[] { "type", "code" }
                    .Select(name => error.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                    .Where(v => !string.IsNullOrEmpty(v)).Distinct().ToList();
                if (kinds.Count > 0)
                {
                    return $"the writer answered {status} ({string.Join(", ", kinds)})";
                }
            }
        }
        catch (JsonException)
        {
            // Not an OpenAI error body; the status says enough.
        }

        return $"the writer answered {status}";
    }

    /// <summary>The message's text: a string, or (some servers) an array of text parts.</summary>
    private static string? Content(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content))
        {
            return null;
        }

        return content.ValueKind switch
        {
            JsonValueKind.String => content.GetString(),
            JsonValueKind.Array => string.Concat(content.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
                .Select(p => p.GetProperty("text").GetString())),
            _ => null,
        };
    }
}
