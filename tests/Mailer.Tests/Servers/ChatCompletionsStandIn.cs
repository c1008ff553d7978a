using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cualify.Appliance.Mailer.Tests.Servers;

/// <summary>One chat-completions request as the stand-in got it, with the parts a test looks at.</summary>
public sealed record WriterCall(int Index, string? Authorization, JsonObject Body)
{
    public string Model => (string)Body["model"]!;

    public string SystemMessage => Message("system");

    public string UserMessage => Message("user");

    /// <summary>The appliance sends the step's facts as JSON in the user message.</summary>
    public JsonNode User => JsonNode.Parse(UserMessage)!;

    public string? Notes => (string?)User["contact"]?["notes"];

    public string? FirstName => (string?)User["contact"]?["first_name"];

    public int StepNumber => (int)User["step"]!["number"]!;

    private string Message(string role) =>
        (string)Body["messages"]!.AsArray().Single(m => (string?)m!["role"] == role)!["content"]!;
}

/// <summary>What the stand-in answers one call with.</summary>
public abstract record WriterAnswer
{
    /// <summary>A chat completion whose content is the JSON object asked for.</summary>
    public static WriterAnswer Write(string subject, string body) =>
        new Completion(new JsonObject { ["subject"] = subject, ["body"] = body }.ToJsonString());

    /// <summary>A chat completion whose content is the given text as is (malformed JSON, prose…).</summary>
    public static WriterAnswer Content(string content, string finishReason = "stop") => new Completion(content, finishReason);

    public static WriterAnswer Refuse(string why) => new Refusal(why);

    /// <summary>An error status with an OpenAI error body, and optionally Retry-After seconds.</summary>
    public static WriterAnswer Error(int status, string type, int? retryAfterSeconds = null) => new Failure(status, type, retryAfterSeconds);

    /// <summary>Waits for <paramref name="until"/> (or the appliance hanging up) before answering with <paramref name="then"/>.</summary>
    public static WriterAnswer Slow(Task until, WriterAnswer then) => new Held(until, then);

    public sealed record Completion(string Text, string FinishReason = "stop") : WriterAnswer;

    public sealed record Refusal(string Why) : WriterAnswer;

    public sealed record Failure(int Status, string Type, int? RetryAfterSeconds) : WriterAnswer;

    public sealed record Held(Task Until, WriterAnswer Then) : WriterAnswer;
}

/// <summary>
/// A real Kestrel server in the place of an OpenAI-compatible chat-completions endpoint (and its GET /v1/models). It checks every request as the
/// API documents it — POST /v1/chat/completions, the bearer key, the model, system and user messages, and
/// <c>response_format</c> of type <c>json_schema</c> with a strict schema for subject and body — refusing a wrong one
/// with 400/401 and an OpenAI error body (and noting it in <see cref="Problems"/>), and answers as the real API does
/// (<c>chat.completion</c> with <c>choices[0].message</c>, <c>finish_reason</c>, <c>usage</c>), as <see cref="Respond"/> says.
/// </summary>
public sealed class ChatCompletionsStandIn : IAsyncDisposable
{
    public const string Key = "sk-test-writer-7f3a9c";
    public const string ModelName = "qwen2.5-7b-instruct";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<WriterCall> _calls = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private int _count;
    private readonly InFlightCounter _inFlight = new();

    private ChatCompletionsStandIn(WebApplication app)
    {
        _app = app;
    }

    public Func<WriterCall, WriterAnswer> Respond { get; set; } = _ => WriterAnswer.Write("Hello", "Hello there.");

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<WriterCall> Calls => _calls.ToArray();

    /// <summary>Requests that broke the documented shape; a test expects none.</summary>
    public IReadOnlyList<string> Problems => _problems.ToArray();

    public int MaxInFlight => _inFlight.Most;

    /// <summary>The settings that point the appliance's writer here.</summary>
    public Dictionary<string, string?> WriterSettings(TimeSpan? timeout = null) => new()
    {
        ["Sequences:Writer:Endpoint"] = new Uri(BaseAddress, "/v1").ToString(),
        ["Sequences:Writer:Model"] = ModelName,
        ["Sequences:Writer:ApiKey"] = Key,
        ["Sequences:Writer:Timeout"] = (timeout ?? TimeSpan.FromSeconds(20)).ToString("c"),
        ["Sequences:Writer:RetryDelays:0"] = "00:00:00.050",
        ["Sequences:Writer:RetryDelays:1"] = "00:00:00.100",
    };

    public static async Task<ChatCompletionsStandIn> StartAsync()
    {
        var app = StandInHost.Create();
        var standIn = new ChatCompletionsStandIn(app);
        app.Run(standIn.HandleAsync);
        standIn.BaseAddress = await StandInHost.StartAsync(app);
        return standIn;
    }

    /// <summary>Waits (up to 15 real seconds) until at least <paramref name="count"/> calls arrived.</summary>
    public async Task<IReadOnlyList<WriterCall>> WaitForCallsAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Calls.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} writer calls, got {Calls.Count}");
            }

            await Task.Delay(20);
        }

        return Calls;
    }

    private async Task HandleAsync(HttpContext context)
    {
        _inFlight.Enter();
        try
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted);
            if (context.Request.Method == "GET" && context.Request.Path == "/v1/models")
            {
                await ModelsAsync(context);
                return;
            }

            if (context.Request.Method != "POST" || context.Request.Path != "/v1/chat/completions")
            {
                await RefuseAsync(context, 404, "invalid_request_error", $"{context.Request.Method} {context.Request.Path} is not the chat completions endpoint");
                return;
            }

            var authorization = context.Request.Headers.Authorization.ToString();
            if (authorization != $"Bearer {Key}")
            {
                await RefuseAsync(context, 401, "invalid_api_key", $"Authorization was '{authorization}'");
                return;
            }

            JsonObject body;
            try
            {
                body = JsonNode.Parse(text)!.AsObject();
            }
            catch (JsonException)
            {
                await RefuseAsync(context, 400, "invalid_request_error", "the body is not JSON");
                return;
            }

            if (ShapeProblem(context.Request.ContentType, body) is { } problem)
            {
                await RefuseAsync(context, 400, "invalid_request_error", problem);
                return;
            }

            var call = new WriterCall(Interlocked.Increment(ref _count), authorization, body);
            _calls.Enqueue(call);
            await AnswerAsync(context, call, Respond(call));
        }
        catch (OperationCanceledException)
        {
            // The appliance gave up on this request (its timeout, or shutdown).
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    /// <summary>GET /v1/models, as the API lists the models a key may use.</summary>
    private static Task ModelsAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString() != $"Bearer {Key}")
        {
            return WriteErrorAsync(context, 401, "invalid_api_key", "Incorrect API key provided.");
        }

        var models = new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray(
                new JsonObject { ["id"] = ModelName, ["object"] = "model", ["created"] = 1_730_000_000, ["owned_by"] = "stand-in" },
                new JsonObject { ["id"] = "llama-3.1-8b-instruct", ["object"] = "model", ["created"] = 1_730_000_000, ["owned_by"] = "stand-in" }),
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(models.ToJsonString());
    }

    private static string? ShapeProblem(string? contentType, JsonObject body)
    {
        if (contentType is null || !contentType.StartsWith("application/json", StringComparison.Ordinal))
        {
            return $"Content-Type was '{contentType}'";
        }

        if ((string?)body["model"] != ModelName)
        {
            return $"model was '{body["model"]}'";
        }

        if (body["messages"] is not JsonArray messages || messages.Count < 2
            || messages.Any(m => m?["role"] is null || m["content"]?.GetValueKind() != JsonValueKind.String)
            || messages.Count(m => (string?)m!["role"] == "system") != 1 || messages.Count(m => (string?)m!["role"] == "user") != 1)
        {
            return "messages must hold one system and one user message, each with string content";
        }

        var format = body["response_format"];
        var schema = format?["json_schema"]?["schema"];
        if ((string?)format?["type"] != "json_schema" || format?["json_schema"]?["name"] is null || (bool?)format?["json_schema"]?["strict"] != true
            || (string?)schema?["type"] != "object" || schema?["additionalProperties"]?.GetValue<bool>() != false
            || schema?["required"]?.AsArray().Select(r => (string?)r).Order().SequenceEqual(["body", "subject"]) != true)
        {
            return "response_format must be a strict json_schema for an object with required subject and body";
        }

        return null;
    }

    private async Task RefuseAsync(HttpContext context, int status, string type, string problem)
    {
        _problems.Enqueue(problem);
        await WriteErrorAsync(context, status, type, problem);
    }

    private static async Task AnswerAsync(HttpContext context, WriterCall call, WriterAnswer answer)
    {
        switch (answer)
        {
            case WriterAnswer.Held held:
                await held.Until.WaitAsync(context.RequestAborted);
                await AnswerAsync(context, call, held.Then);
                break;
            case WriterAnswer.Failure failure:
                if (failure.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await WriteErrorAsync(context, failure.Status, failure.Type, "The server had an error while processing your request.");
                break;
            case WriterAnswer.Refusal refusal:
                await WriteCompletionAsync(context, call, new JsonObject { ["role"] = "assistant", ["content"] = null, ["refusal"] = refusal.Why }, "stop");
                break;
            case WriterAnswer.Completion completion:
                await WriteCompletionAsync(context, call, new JsonObject { ["role"] = "assistant", ["content"] = completion.Text, ["refusal"] = null }, completion.FinishReason);
                break;
        }
    }

    private static Task WriteCompletionAsync(HttpContext context, WriterCall call, JsonObject message, string finishReason)
    {
        var completion = new JsonObject
        {
            ["id"] = $"chatcmpl-{call.Index:D6}",
            ["object"] = "chat.completion",
            ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["model"] = ModelName,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["logprobs"] = null, ["finish_reason"] = finishReason }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 120, ["completion_tokens"] = 80, ["total_tokens"] = 200 },
        };
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(completion.ToJsonString());
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = type } };
        return context.Response.WriteAsync(error.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
