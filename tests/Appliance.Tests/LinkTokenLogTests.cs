using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary>The public links (unsubscribe, open pixel) carry their credential in the path; the request log must not.</summary>
public sealed class LinkTokenLogTests
{
    [Fact]
    public async Task Unsubscribe_and_open_tokens_are_masked_in_the_request_log_whatever_the_method()
    {
        var token = "tok" + Guid.NewGuid().ToString("N");
        string dataDir;
        await using (var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?> { ["Logging:Level"] = "Information" }))
        {
            dataDir = appliance.DataDir;
            using var visitor = appliance.Client();
            await visitor.GetAsync($"/api/v1/sequences/unsubscribe/{token}");
            await visitor.PostAsync($"/api/v1/sequences/unsubscribe/{token}", new FormUrlEncodedContent(new Dictionary<string, string> { ["List-Unsubscribe"] = "One-Click" }));
            await visitor.GetAsync($"/api/v1/sequences/open/{token}");
            await visitor.PutAsync($"/api/v1/sequences/unsubscribe/{token}", null);
            await appliance.StopAsync();
            var logs = string.Concat(Directory.GetFiles(Path.Combine(dataDir, "logs")).Select(ReadShared));

            Assert.Contains("HTTP GET /api/v1/sequences/unsubscribe/… answered", logs);
            Assert.Contains("HTTP POST /api/v1/sequences/unsubscribe/… answered", logs);
            Assert.Contains("HTTP GET /api/v1/sequences/open/… answered", logs);
            Assert.Contains("HTTP PUT /api/v1/sequences/unsubscribe/… answered", logs);
            Assert.DoesNotContain(token, logs);
        }
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
