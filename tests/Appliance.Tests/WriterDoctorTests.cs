using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary><c>doctor</c>'s <c>writer</c> line against the chat-completions stand-in: the model listed, a wrong key, a wrong model, nothing listening.</summary>
public sealed class WriterDoctorTests
{
    [Fact]
    public async Task Doctor_checks_the_writer_key_and_model_and_names_the_setting_to_fix()
    {
        using var data = new TempDirectory("doctor-writer");
        Assert.Equal(0, (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).ExitCode);
        await using var writer = await ChatCompletionsStandIn.StartAsync();
        var endpoint = new Uri(writer.BaseAddress, "/v1").ToString();

        var none = await DoctorAsync(data.Path, []);
        Assert.Null(Line(none, "writer"));

        var good = await DoctorAsync(data.Path, Writer(endpoint, ChatCompletionsStandIn.Key, ChatCompletionsStandIn.ModelName));
        Assert.Equal($"ok    writer: {endpoint} serves {ChatCompletionsStandIn.ModelName}.", Line(good, "writer"));

        var badKey = await DoctorAsync(data.Path, Writer(endpoint, "sk-wrong", ChatCompletionsStandIn.ModelName));
        Assert.Equal(1, badKey.ExitCode);
        Assert.StartsWith($"FAIL  writer: {endpoint} refused the key (401). Fix: check Sequences:Writer:ApiKey", Line(badKey, "writer"));
        Assert.DoesNotContain("sk-wrong", badKey.StandardOutput + badKey.StandardError);

        var badModel = await DoctorAsync(data.Path, Writer(endpoint, ChatCompletionsStandIn.Key, "gpt-9"));
        Assert.StartsWith($"FAIL  writer: {endpoint} does not list gpt-9 (it lists {ChatCompletionsStandIn.ModelName}, llama-3.1-8b-instruct)", Line(badModel, "writer"));

        var closed = $"http://127.0.0.1:{FreePorts.Tcp()}/v1";
        var nobody = await DoctorAsync(data.Path, Writer(closed, ChatCompletionsStandIn.Key, ChatCompletionsStandIn.ModelName));
        Assert.StartsWith($"FAIL  writer: nothing answers at {closed}", Line(nobody, "writer"));
        Assert.Contains("Sequences:Writer:Endpoint", Line(nobody, "writer"));
    }

    private static Dictionary<string, string> Writer(string endpoint, string key, string model) => new()
    {
        ["CUALIFY__Sequences__Writer__Endpoint"] = endpoint,
        ["CUALIFY__Sequences__Writer__ApiKey"] = key,
        ["CUALIFY__Sequences__Writer__Model"] = model,
    };

    private static Task<ApplianceProcess.VerbResult> DoctorAsync(string dataDir, Dictionary<string, string> environment) =>
        ApplianceProcess.RunVerbAsync(["doctor", "--data-dir", dataDir], environment, TimeSpan.FromSeconds(90));

    private static string? Line(ApplianceProcess.VerbResult result, string check) =>
        result.StandardOutput.Split('\n').SingleOrDefault(l => l.Length > 6 && l[6..].StartsWith(check + ":", StringComparison.Ordinal));
}
