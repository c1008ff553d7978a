using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary>The README's run command and curl quickstart, followed as a new user would.</summary>
public sealed class QuickstartTests
{
    [Fact]
    public async Task Run_on_a_fresh_data_folder_prints_the_first_key_once_and_the_quickstart_works()
    {
        using var data = new TempDirectory("quickstart");
        string key;
        await using (var first = await ApplianceProcess.StartAsync(data.Path))
        {
            var output = await first.WaitForOutputAsync("cuk_live_");
            var printed = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("cuk_live_", StringComparison.Ordinal)).ToList();
            key = Assert.Single(printed);
            using var client = first.Client(key);

            var check = await (await client.GetAsync("/api/v1/api-keys/check")).ExpectAsync(200);
            Assert.Equal("admin", (string?)check["data"]!["key"]!["scope"]);

            var contact = await (await client.PostRawAsync("/api/v1/contacts",
                """{"phone_e164":"+91 98123 45678","name":"Riya Sharma","email":"riya@example.com","consent_capture":"website_form"}""")).ExpectAsync(200);
            Assert.Equal("+919812345678", (string?)contact["data"]!["phone_e164"]);
            var list = await (await client.GetAsync("/api/v1/contacts?limit=10")).ExpectAsync(200);
            Assert.Equal(1, (int)list["pagination"]!["total"]!);
            await (await client.GetAsync("/api/v1/credits")).ExpectAsync(200);
        }

        var topup = await ApplianceProcess.RunVerbAsync(["credits", "topup", "--org", "default", "--amount-paise", "100000", "--reference", "INV-1", "--data-dir", data.Path]);
        Assert.Equal(0, topup.ExitCode);

        await using var second = await ApplianceProcess.StartAsync(data.Path);
        Assert.DoesNotContain("cuk_live_", second.StandardOutput);
        using var again = second.Client(key);
        var credits = await (await again.GetAsync("/api/v1/credits")).ExpectAsync(200);
        Assert.Equal(100_000, (long)credits["data"]!["balance_paise"]!);
        Assert.Equal(1, (int)(await (await again.GetAsync("/api/v1/contacts")).ExpectAsync(200))["pagination"]!["total"]!);
    }
}
