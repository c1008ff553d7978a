using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.LocalApi.Tests.Imports;

/// <summary>
/// The import test measures the managed heap of the test process, which tests running beside it would grow too;
/// these tests run alone.
/// </summary>
[CollectionDefinition(nameof(ContactImportApiTests), DisableParallelization = true)]
public sealed class ContactImportCollection;

[Collection(nameof(ContactImportApiTests))]
public sealed class ContactImportApiTests
{
    private const int Rows = 100_000;

    /// <summary>Row i (1-based data row): which fields are broken, so the test knows every expected count.</summary>
    private static (bool BadPhone, bool BadEmail, bool BadConsent, bool NoConsent) Shape(int i) =>
        (i % 97 == 0, i % 113 == 0, i % 131 == 0, i % 10 == 3);

    private static string Phone(int i) => $"+91 98{i:D8}";

    [Fact]
    public async Task A_hundred_thousand_rows_import_with_exact_counts_named_errors_flat_memory_and_a_re_import_that_creates_nothing()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        using var folder = new TempDirectory("import");
        var file = Path.Combine(folder.Path, "leads.csv");
        WriteLeads(file);
        // One person is on the do-not-contact list before the import: their row is imported and stays blocked.
        var blocked = await admin.UpsertContactAsync("+919800000007");
        await (await admin.PostJsonAsync($"/api/v1/contacts/{blocked["id"]}/opt-out", new { channel = "voice" })).ExpectAsync(200);

        var expectedErrors = new List<(long Row, string Field)>();
        int valid = 0, noConsent = 0;
        for (var i = 1; i <= Rows; i++)
        {
            var s = Shape(i);
            if (s.BadPhone) expectedErrors.Add((i + 1, "phone_e164"));
            if (s.BadEmail) expectedErrors.Add((i + 1, "email"));
            if (s.BadConsent) expectedErrors.Add((i + 1, "consent_capture"));
            if (!s.BadPhone && !s.BadEmail && !s.BadConsent)
            {
                valid++;
                noConsent += s.NoConsent ? 1 : 0;
            }
        }

        var baseline = ManagedHeap();
        var (first, peak) = await ImportAsync(admin, file);
        var fileBytes = new FileInfo(file).Length;

        Assert.Equal("completed", (string?)first["status"]);
        Assert.Equal(Rows, (long)first["rows"]!);
        Assert.Equal(Rows, (long)first["rows_total"]!);
        Assert.Equal(valid - 1, (long)first["created"]!);
        Assert.Equal(1, (long)first["updated"]!); // the blocked person's row adds a name
        Assert.Equal(Rows - valid, (long)first["skipped"]!);
        Assert.Equal(1, (long)first["do_not_contact"]!);
        Assert.Equal(noConsent, (long)first["without_consent"]!);
        Assert.Equal(expectedErrors.Count, (long)first["error_count"]!);
        var errors = first["errors"]!.AsArray();
        Assert.Equal(Math.Min(1000, expectedErrors.Count), errors.Count);
        Assert.Equal(expectedErrors.Take(errors.Count), errors.Select(e => ((long)e!["row"]!, (string)e["field"]!)));
        Assert.Contains("E.164", (string?)errors.First(e => (string?)e!["field"] == "phone_e164")!["message"]);
        // The file is read in batches, never held whole: the heap grows by less than the file's own size.
        Assert.True(peak - baseline < fileBytes, $"the managed heap grew by {(peak - baseline) / 1024 / 1024} MiB for a {fileBytes / 1024 / 1024} MiB file");

        var contacts = await (await admin.GetAsync("/api/v1/contacts?limit=1")).ExpectAsync(200);
        Assert.Equal(valid, (long)contacts["pagination"]!["total"]!);
        var noConsentList = await (await admin.GetAsync("/api/v1/contacts?limit=1&search=98" + 13.ToString("D8"))).ExpectAsync(200);
        Assert.Null((string?)noConsentList["data"]![0]!["consent_capture"]);
        var stillBlocked = await (await admin.GetAsync($"/api/v1/contacts/{blocked["id"]}")).ExpectAsync(200);
        Assert.True((bool)stillBlocked["data"]!["opted_out"]!);
        Assert.Equal("Lead 7", (string?)stillBlocked["data"]!["name"]);
        var sample = await (await admin.GetAsync("/api/v1/contacts?search=9800000042")).ExpectAsync(200);
        Assert.Equal("+919800000042", (string?)sample["data"]![0]!["phone_e164"]);
        Assert.Equal("north", (string?)sample["data"]![0]!["metadata"]!["region"]);

        var (again, _) = await ImportAsync(admin, file);
        Assert.Equal(0, (long)again["created"]!);
        Assert.Equal(0, (long)again["updated"]!);
        Assert.Equal(valid, (long)again["unchanged"]!);
        Assert.Equal(Rows - valid, (long)again["skipped"]!);
        var after = await (await admin.GetAsync("/api/v1/contacts?limit=1")).ExpectAsync(200);
        Assert.Equal(valid, (long)after["pagination"]!["total"]!);
    }

    [Fact]
    public async Task Bad_files_are_refused_whole_with_a_reason_and_nothing_is_imported()
    {
        await using var appliance = await RunningAppliance.StartAsync(settings: new Dictionary<string, string?> { ["Contacts:Import:MaxBytes"] = "4096" });
        using var admin = appliance.AdminClient();

        var latin1 = Encoding.Latin1.GetBytes("phone_e164,name\n+919812345678,Jos\u00e9\n");
        var notUtf8 = await (await PostCsvAsync(admin, latin1)).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("not UTF-8", (string?)notUtf8["message"]);
        Assert.Contains("on line 2", (string?)notUtf8["message"]);

        var noHeader = await (await PostCsvAsync(admin, "+919812345678,Riya\n+919812345679,Arjun\n")).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("header", (string?)noHeader["message"]);

        var noPhone = await (await PostCsvAsync(admin, "name,email\nRiya,riya@example.com\n")).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("no phone_e164 column", (string?)noPhone["message"]);

        var typo = await (await PostCsvAsync(admin, "phone_e164,fist_name\n+919812345678,Riya\n")).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("unknown column 'fist_name'", (string?)typo["message"]);

        var unclosed = await (await PostCsvAsync(admin, "phone_e164,notes\n+919812345678,\"never closed\n")).ExpectErrorAsync(422, "invalid_request", "file");
        Assert.Contains("never closed", (string?)unclosed["message"]);

        await (await PostCsvAsync(admin, "")).ExpectErrorAsync(422, "invalid_request", "file");

        var big = new StringBuilder("phone_e164,notes\n");
        for (var i = 0; big.Length < 10_000; i++)
        {
            big.Append($"+9198{i:D8},a note long enough to fill the file\n");
        }

        await (await PostCsvAsync(admin, big.ToString())).ExpectErrorAsync(413, "invalid_request");
        // Sent without a length up front, the limit still holds while the body streams in.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big.ToString())));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/contacts/import") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await admin.SendAsync(request)).ExpectErrorAsync(413, "invalid_request");

        var contacts = await (await admin.GetAsync("/api/v1/contacts?limit=1")).ExpectAsync(200);
        Assert.Equal(0, (long)contacts["pagination"]!["total"]!);
        Assert.Empty(Directory.GetFiles(Path.Combine(appliance.DataDir, "imports")));
    }

    [Fact]
    public async Task Quoted_fields_metadata_columns_and_a_row_wider_than_the_header_are_read_as_a_spreadsheet_writes_them()
    {
        await using var appliance = await RunningAppliance.StartAsync();
        using var admin = appliance.AdminClient();
        var csv = "\uFEFFPhone_E164 , first_name,last_name,notes,metadata.Plan\r\n"
            + "+91 98123 45678,Riya,Sharma,\"Asked for a call back, after 5 \"\"sharp\"\"\nSecond line\",gold\r\n"
            + "\r\n"
            + "+919812345679,Arjun,Mehta,,silver,extra\r\n";
        var begun = await (await PostCsvAsync(admin, csv)).ExpectAsync(202);
        var done = await WaitAsync(admin, (string)begun["data"]!["id"]!);

        Assert.Equal(1, (long)done["created"]!);
        var error = Assert.Single(done["errors"]!.AsArray())!;
        Assert.Equal(4, (long)error["row"]!);
        Assert.Null((string?)error["field"]);
        Assert.Contains("6 fields", (string?)error["message"]);
        var riya = (await (await admin.GetAsync("/api/v1/contacts?search=9812345678")).ExpectAsync(200))["data"]![0]!;
        Assert.Equal("Riya Sharma", (string?)riya["name"]);
        Assert.Equal("Asked for a call back, after 5 \"sharp\"\nSecond line", (string?)riya["notes"]);
        Assert.Equal("gold", (string?)riya["metadata"]!["Plan"]);
        Assert.Null((string?)riya["consent_capture"]);
    }

    private static void WriteLeads(string path)
    {
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write("phone_e164,name,email,consent_capture,notes,metadata.region\n");
        var padding = new string('x', 300);
        for (var i = 1; i <= Rows; i++)
        {
            var s = Shape(i);
            var phone = s.BadPhone ? "98-not-a-number" : Phone(i);
            var email = s.BadEmail ? "not-an-address" : $"lead{i}@example.com";
            var consent = s.BadConsent ? "by_pigeon" : s.NoConsent ? "" : "imported";
            writer.Write($"{phone},Lead {i},{email},{consent},\"Lead {i}, notes {padding}\",{(i % 2 == 0 ? "north" : "south")}\n");
        }
    }

    private static async Task<(JsonNode Done, long PeakHeap)> ImportAsync(HttpClient admin, string file)
    {
        await using var stream = File.OpenRead(file);
        var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        var begun = await (await admin.PostAsync("/api/v1/contacts/import", content)).ExpectAsync(202);
        Assert.Equal("running", (string?)begun["data"]!["status"]);
        long peak = 0;
        var done = await WaitAsync(admin, (string)begun["data"]!["id"]!, () => peak = Math.Max(peak, ManagedHeap()));
        return (done, peak);
    }

    private static async Task<JsonNode> WaitAsync(HttpClient admin, string id, Action? sample = null)
    {
        for (var polls = 0; polls < 3000; polls++)
        {
            var import = (await (await admin.GetAsync($"/api/v1/contacts/imports/{id}")).ExpectAsync(200))["data"]!;
            sample?.Invoke();
            var counted = (long)import["created"]! + (long)import["updated"]! + (long)import["unchanged"]! + (long)import["skipped"]!;
            Assert.Equal((long)import["rows"]!, counted);
            if ((string?)import["status"] != "running")
            {
                return import;
            }

            await Task.Delay(1000);
        }

        throw new Xunit.Sdk.XunitException($"Import {id} never finished");
    }

    private static long ManagedHeap() => GC.GetTotalMemory(forceFullCollection: true);

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient admin, string csv) => PostCsvAsync(admin, Encoding.UTF8.GetBytes(csv));

    private static Task<HttpResponseMessage> PostCsvAsync(HttpClient admin, byte[] csv)
    {
        var content = new ByteArrayContent(csv);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return admin.PostAsync("/api/v1/contacts/import", content);
    }
}
