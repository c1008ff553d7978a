using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>
/// The appliance logs through Serilog's static logger, so an appliance started beside this one in the same test process
/// would take its log lines; these tests run alone.
/// </summary>
[CollectionDefinition(nameof(WriterIsolationTests), DisableParallelization = true)]
public sealed class WriterIsolationCollection;

/// <summary>The writer gets one contact's data at a time; its key and the contacts' notes never reach the log.</summary>
[Collection(nameof(WriterIsolationTests))]
public sealed class WriterIsolationTests
{
    [Fact]
    public async Task The_writer_sees_only_its_own_contacts_data_and_the_key_and_notes_never_reach_the_log()
    {
        var (writer, h) = await WrittenStepTests.StartAsync(extra: new Dictionary<string, string?> { ["Logging:Level"] = "Debug" });
        await using var _ = writer;
        string logs;
        await using (h)
        {
            writer.Respond = call => call.FirstName == "Lena" && writer.Calls.Count(c => c.FirstName == "Lena") == 1
                ? WriterAnswer.Error(503, "server_error")
                : WriterAnswer.Write($"Hi {call.FirstName}", $"Hello {call.FirstName}.");
            var template = await h.CreateTemplateAsync(WrittenStepTests.WrittenTemplate());
            await h.StartSequenceAsync(new
            {
                template_id = template,
                contact = new { first_name = "María", emails = new[] { "maria@example.es" }, notes = "Speaks Spanish. Budget 40k EUR.", metadata = new { company = "Acme Madrid" } },
                auto_approve = true,
            });
            await h.StartSequenceAsync(new
            {
                template_id = template,
                contact = new { first_name = "Lena", emails = new[] { "lena@example.de" }, notes = "Prefers German. Berlin office.", metadata = new { company = "Beta GmbH" } },
                auto_approve = true,
            });
            await h.Smtp.WaitForMessagesAsync("lena@example.de", 1);
            await h.App.StopAsync();
            logs = await LogsOnceFlushedAsync(h.App.DataDir, "503");
        }

        var calls = writer.Calls;
        Assert.Equal(3, calls.Count);
        Assert.Empty(writer.Problems);
        foreach (var call in calls)
        {
            var everything = call.Body.ToJsonString();
            var (own, other) = call.FirstName == "María" ? ("Budget 40k EUR", "Berlin office") : ("Berlin office", "Budget 40k EUR");
            Assert.Contains(own, everything);
            Assert.DoesNotContain(other, everything);
            Assert.DoesNotContain(call.FirstName == "María" ? "Beta GmbH" : "Acme Madrid", everything);
            Assert.DoesNotContain(call.FirstName == "María" ? "lena@example.de" : "maria@example.es", everything);
        }

        Assert.Contains("503", logs);
        Assert.DoesNotContain(ChatCompletionsStandIn.Key, logs);
        Assert.DoesNotContain("Budget 40k EUR", logs);
        Assert.DoesNotContain("Berlin office", logs);
    }

    /// <summary>The log files once <paramref name="expected"/> is in them: the file sink flushes about once a second.</summary>
    private static async Task<string> LogsOnceFlushedAsync(string dataDir, string expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var logs = string.Concat(Directory.GetFiles(Path.Combine(dataDir, "logs")).Select(ReadShared));
            if (logs.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline)
            {
                return logs;
            }

            await Task.Delay(100);
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
