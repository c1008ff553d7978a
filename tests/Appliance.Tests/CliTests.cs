using System.Security.Cryptography;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Tests;

public sealed class CliTests
{
    private static Task<ApplianceProcess.VerbResult> Verb(params string[] arguments) => ApplianceProcess.RunVerbAsync(arguments);

    [Fact]
    public async Task Init_prints_the_admin_key_alone_once_and_refuses_a_second_time()
    {
        using var data = new TempDirectory("cli");
        var first = await Verb("init", "--data-dir", data.Path);
        Assert.Equal(0, first.ExitCode);
        var lines = first.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Matches("^cuk_live_[a-z0-9]{8}_[A-Za-z0-9]{32}$", lines[0].Trim());
        Assert.True(File.Exists(data.Combine("appliance.db")));

        var second = await Verb("init", "--data-dir", data.Path);
        Assert.Equal(1, second.ExitCode);
        Assert.Equal("", second.StandardOutput);
        Assert.Contains("already initialised", second.StandardError);

        var logs = string.Concat(Directory.GetFiles(data.Combine("logs")).Select(File.ReadAllText));
        Assert.DoesNotContain(lines[0].Trim(), logs);
    }

    [Fact]
    public async Task Secrets_seal_prints_a_value_only_this_install_opens_and_never_the_clear_text()
    {
        using var data = new TempDirectory("cli");
        Assert.Equal(0, (await Verb("init", "--data-dir", data.Path)).ExitCode);
        const string token = "smtp-password-0123456789";

        var sealedToken = await ApplianceProcess.RunVerbAsync(["secrets", "seal", "--data-dir", data.Path], input: token + "\n");

        Assert.Equal(0, sealedToken.ExitCode);
        var value = sealedToken.StandardOutput.Trim();
        Assert.StartsWith("sealed:v1:", value);
        Assert.DoesNotContain(token, value);
        var install = new SecretProtector(Options.Create(new StoreOptions { Path = data.Combine("appliance.db") }));
        Assert.Equal(token, SealedSetting.Open(install, value, "Mailer:Smtp:Password"));
        var other = new SecretProtector(RandomNumberGenerator.GetBytes(32));
        var refused = Assert.Throws<OptionsValidationException>(() => SealedSetting.Open(other, value, "Mailer:Smtp:Password"));
        Assert.Contains("Mailer:Smtp:Password is sealed", refused.Message);

        var empty = await ApplianceProcess.RunVerbAsync(["secrets", "seal", "--data-dir", data.Path], input: "");
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("Nothing to seal", empty.StandardError);
        var logs = string.Concat(Directory.GetFiles(data.Combine("logs")).Select(File.ReadAllText));
        Assert.DoesNotContain(token, logs);
    }

    [Fact]
    public async Task Operator_verbs_create_orgs_keys_and_credits_that_the_api_honours()
    {
        using var data = new TempDirectory("cli");
        Assert.Equal(0, (await Verb("init", "--data-dir", data.Path)).ExitCode);

        var org = await Verb("orgs", "create", "acme", "--data-dir", data.Path);
        Assert.Equal(0, org.ExitCode);
        Assert.StartsWith("cuk_live_", org.StandardOutput.Trim());
        var duplicate = await Verb("orgs", "create", "ACME", "--data-dir", data.Path);
        Assert.Equal(1, duplicate.ExitCode);
        Assert.Contains("already exists", duplicate.StandardError);

        var topup = await Verb("credits", "topup", "--org", "acme", "--amount-paise", "250000", "--reference", "INV-7", "--data-dir", data.Path);
        Assert.Equal(0, topup.ExitCode);
        Assert.Contains("balance 250000 paise", topup.StandardOutput);
        var negative = await Verb("credits", "topup", "--org", "acme", "--amount-paise", "-5", "--data-dir", data.Path);
        Assert.Equal(1, negative.ExitCode);
        Assert.Contains("amount_paise", negative.StandardError);

        var op = await Verb("keys", "create", "--org", "default", "--name", "ops", "--scope", "operator", "--data-dir", data.Path);
        var operatorKey = op.StandardOutput.Trim();
        var list = await Verb("orgs", "list", "--data-dir", data.Path);
        Assert.Contains("acme", list.StandardOutput);
        Assert.Contains("250000", list.StandardOutput);

        await using var appliance = await ApplianceProcess.StartAsync(data.Path);
        using var client = appliance.Client(operatorKey);
        var orgs = await (await client.GetAsync("/api/v1/orgs")).ExpectAsync(200);
        Assert.Equal(2, (int)orgs["pagination"]!["total"]!);

        var keys = await Verb("keys", "list", "--org", "default", "--data-dir", data.Path);
        var opId = keys.StandardOutput.Split('\n').First(l => l.Contains(" ops ")).Split(' ')[0];
        Assert.DoesNotContain(operatorKey, keys.StandardOutput);
        Assert.Equal(0, (await Verb("keys", "revoke", opId, "--org", "default", "--data-dir", data.Path)).ExitCode);
        await (await client.GetAsync("/api/v1/orgs")).ExpectErrorAsync(401, "unauthorized");
    }

    [Fact]
    public async Task Migrate_reports_progress_and_a_verb_on_a_missing_store_says_how_to_create_it()
    {
        using var data = new TempDirectory("cli");
        var migrate = await Verb("migrate", "--data-dir", data.Path);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Matches(@"\[1/\d+\] 0001 foundation", migrate.StandardOutput);
        Assert.Contains("up to date", (await Verb("migrate", "--data-dir", data.Path)).StandardOutput);

        using var empty = new TempDirectory("cli");
        var keys = await Verb("keys", "list", "--data-dir", empty.Path);
        Assert.Equal(1, keys.ExitCode);
        Assert.Contains("cualify-appliance init", keys.StandardError);
    }

    [Fact]
    public async Task An_invalid_setting_stops_start_up_with_a_message_naming_it()
    {
        using var data = new TempDirectory("cli");
        var result = await ApplianceProcess.RunVerbAsync(["run", "--data-dir", data.Path, "--urls", "http://127.0.0.1:0"],
            new Dictionary<string, string> { ["CUALIFY__Store__Synchronous"] = "SOMETIMES" });
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Store:Synchronous", result.StandardError);
    }
}
