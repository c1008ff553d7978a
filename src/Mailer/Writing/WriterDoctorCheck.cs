using System.Net.Http;
using System.Text.Json;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Core.Sequences.Writing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Mailer.Writing;

/// <summary>
/// <c>doctor</c>'s <c>writer</c> line (only with <c>Sequences:Writer:Endpoint</c>): asks the endpoint's
/// <c>GET …/models</c> with the key, as OpenAI, vLLM, Ollama and llama.cpp serve it, and checks that the configured
/// model is listed. Writes nothing and spends no tokens.
/// </summary>
public sealed class WriterDoctorCheck(IOptions<StepWriterOptions> options, IStepWriter writer) : IDoctorCheck
{
    public string Name => "writer";

    public async Task<DoctorResult> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (writer is not ChatCompletionsWriter client || !settings.IsConfigured)
        {
            return DoctorResult.Ok("no Sequences:Writer:Endpoint set, so steps with a writer use their fixed text");
        }

        int status;
        string body;
        try
        {
            (status, body) = await client.ListModelsAsync(cancellationToken);
        }
        catch (HttpRequestException failure) when (!cancellationToken.IsCancellationRequested)
        {
            return DoctorResult.Fail($"nothing answers at {settings.Endpoint} ({failure.HttpRequestError})",
                "check Sequences:Writer:Endpoint (the base URL, e.g. http://127.0.0.1:8000/v1) and that the server is running");
        }

        if (status is 401 or 403)
        {
            return DoctorResult.Fail($"{settings.Endpoint} refused the key ({status})", "check Sequences:Writer:ApiKey");
        }

        if (status != 200)
        {
            return DoctorResult.Warn($"{settings.Endpoint} answered {status} to GET models, so the model could not be checked",
                "check Sequences:Writer:Endpoint; some servers do not list models, and writing may still work");
        }

        var models = ModelIds(body);
        return models.Contains(settings.Model!, StringComparer.Ordinal)
            ? DoctorResult.Ok($"{settings.Endpoint} serves {settings.Model}")
            : DoctorResult.Fail($"{settings.Endpoint} does not list {settings.Model} (it lists {(models.Count == 0 ? "none" : string.Join(", ", models.Take(10)))})",
                "set Sequences:Writer:Model to one of the listed models, or load the model on the server");
    }

    private static List<string> ModelIds(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array
                ? data.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                    .Select(m => m.GetProperty("id").GetString()!).ToList()
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
