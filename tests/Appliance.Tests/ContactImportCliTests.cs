using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Tests;

/// <summary><c>contacts import</c>: the API's import from the command line, with its counts and row errors.</summary>
public sealed class ContactImportCliTests
{
    [Fact]
    public async Task Contacts_import_upserts_the_rows_reports_counts_and_names_each_bad_row_and_a_repeat_creates_nothing()
    {
        using var data = new TempDirectory("cli-import");
        Assert.Equal(0, (await ApplianceProcess.RunVerbAsync(["init", "--data-dir", data.Path])).ExitCode);
        var file = Path.Combine(data.Path, "leads.csv");
        await File.WriteAllTextAsync(file, "phone_e164,first_name,consent_capture\n+91 98123 45678,Riya,imported\nnot-a-number,Arjun,imported\n+919812345679,Meera,by_pigeon\n+919812345680,Kabir,\n");

        var first = await ApplianceProcess.RunVerbAsync(["contacts", "import", file, "--data-dir", data.Path, "--org", "default"]);
        Assert.True(first.ExitCode == 0, first.StandardError);
        Assert.Contains("completed: 4 rows, 2 created, 0 updated, 0 unchanged, 2 skipped, 0 on the do-not-contact list, 1 without consent", first.StandardOutput);
        Assert.Contains("row 3 phone_e164: phone_e164 must be E.164", first.StandardOutput);
        Assert.Contains("row 4 consent_capture:", first.StandardOutput);

        var again = await ApplianceProcess.RunVerbAsync(["contacts", "import", file, "--data-dir", data.Path]);
        Assert.Contains("2 created", first.StandardOutput);
        Assert.Contains("0 created, 0 updated, 2 unchanged", again.StandardOutput);

        var bad = Path.Combine(data.Path, "bad.csv");
        await File.WriteAllTextAsync(bad, "name,email\nRiya,riya@example.com\n");
        var refused = await ApplianceProcess.RunVerbAsync(["contacts", "import", bad, "--data-dir", data.Path]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("no phone_e164 column", refused.StandardError);
    }
}
