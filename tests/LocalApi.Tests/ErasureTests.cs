using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Cualify.Appliance.LocalApi.Tests;

/// <summary>DELETE /contacts/{id} as an auditor checks it: the person's bytes are nowhere in the store files.</summary>
public sealed class ErasureTests
{
    private const string Phone = "+919812345678";
    private const string Email = "zenobia.quartermaine@example.org";
    private const string FirstName = "Zenobia";
    private const string LastName = "Quartermaine";

    [Fact]
    public async Task An_erased_persons_number_email_and_name_are_in_no_byte_of_the_store_files_and_the_number_stays_refused()
    {
        await using var appliance = await RunningAppliance.StartAsync(settings: TestStore.SqliteFile);
        using var admin = appliance.AdminClient();
        await (await admin.PatchJsonAsync("/api/v1/org", new { admin_emails = new[] { "ops@example.com" } })).ExpectAsync(200);
        var contact = await (await admin.PostJsonAsync("/api/v1/contacts", new
        {
            phone_e164 = Phone, first_name = FirstName, last_name = LastName, email = Email,
            notes = $"{FirstName} asked for a callback", consent_capture = "website_form",
        }, idempotencyKey: "crm-lead-1")).ExpectAsync(200);
        var contactId = (string)contact["data"]!["id"]!;
        // A review request: the admin notice quotes the contact and the rendered mail.
        var template = (string)(await (await admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Inbound lead",
            allowed_channels = new[] { "email" },
            steps = new object[] { new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "Dear {{ contact.first_name }} {{ contact.last_name }}, thanks." } },
            stop_on_reply = true,
        })).ExpectAsync(201))["data"]!["id"]!;
        await (await admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = FirstName, last_name = LastName, emails = new[] { Email }, phone_numbers = new[] { Phone } },
            auto_approve = false,
        })).ExpectAsync(201);
        var playbook = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new
        {
            name = "Renewal", language = "en-IN", max_duration_sec = 60, disclosure_text = "This call is from Acme.", message_text = "Your policy renews.",
        })).ExpectAsync(201))["data"]!["id"]!;

        var before = await TracesAsync(appliance);
        Assert.True(before.Count >= 4, $"the byte search must find the person before erasure (found {string.Join(", ", before)})");
        Assert.Contains(before, t => t.StartsWith("admin_notices", StringComparison.Ordinal));

        await (await admin.DeleteAsync($"/api/v1/contacts/{contactId}")).ExpectAsync(200);

        var after = await TracesAsync(appliance);
        Assert.True(after.Count == 0, $"after erasure the store files still hold: {string.Join(", ", after)}");

        // The number is still refused, and the digest that blocks it is no plain SHA-256 of it.
        await (await admin.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = Phone })).ExpectErrorAsync(403, "forbidden");
        var digests = await appliance.Get<ApplianceStore>().ReadAsync(async c => (await c.QueryAsync<string>("SELECT value_hash FROM do_not_contact")).ToList());
        Assert.Equal(2, digests.Count);
        foreach (var plain in new[] { $"voice:{Phone}", Phone, Phone[1..], $"email:{Email}", Email })
        {
            Assert.DoesNotContain(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain))), digests);
        }

        // A repeat of the original request neither brings the person back nor answers with their data.
        var replay = await admin.PostJsonAsync("/api/v1/contacts", new
        {
            phone_e164 = Phone, first_name = FirstName, last_name = LastName, email = Email,
            notes = $"{FirstName} asked for a callback", consent_capture = "website_form",
        }, idempotencyKey: "crm-lead-1");
        var replayed = await replay.Content.ReadAsStringAsync();
        Assert.Equal("true", replay.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.DoesNotContain(Phone[3..], replayed);
        Assert.DoesNotContain(FirstName, replayed);
        Assert.Empty(await TracesAsync(appliance));
    }

    [Fact]
    public async Task Do_not_contact_entries_from_before_the_keyed_digest_are_rekeyed_at_start_and_still_block()
    {
        using var data = new TempDirectory("erasure-upgrade");
        string playbook;
        await using (var first = await RunningAppliance.StartAsync(data.Path, TestStore.SqliteFile))
        {
            using var admin = first.AdminClient();
            playbook = (string)(await (await admin.PostJsonAsync("/api/v1/playbooks", new
            {
                name = "Renewal", language = "en-IN", max_duration_sec = 60, disclosure_text = "This call is from Acme.", message_text = "Your policy renews.",
            })).ExpectAsync(201))["data"]!["id"]!;
            await File.WriteAllTextAsync(Path.Combine(data.Path, "admin.key"), first.AdminKey);
        }

        // What a store written before this change holds: the bare SHA-256 of the number, not keyed.
        var legacy = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"voice:{Phone}")));
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(data.Path, "appliance.db")}"))
        {
            await connection.ExecuteAsync("""
                INSERT INTO do_not_contact (org_id, channel, value_hash, reason, created_at, keyed)
                SELECT id, 'voice', @legacy, 'erased', '2026-01-01T00:00:00.000Z', 0 FROM orgs
                """, new { legacy });
        }

        SqliteConnection.ClearAllPools();
        await using var second = await RunningAppliance.StartAsync(data.Path, TestStore.SqliteFile);
        using var client = second.Client(await File.ReadAllTextAsync(Path.Combine(data.Path, "admin.key")));
        await (await client.PostJsonAsync("/api/v1/calls", new { agent_id = playbook, to_e164 = Phone })).ExpectErrorAsync(403, "forbidden");
        var stored = await second.Get<ApplianceStore>().ReadAsync(async c => (await c.QueryAsync<(string Hash, long Keyed)>("SELECT value_hash, keyed FROM do_not_contact")).ToList());
        var entry = Assert.Single(stored);
        Assert.NotEqual(legacy, entry.Hash);
        Assert.Equal(1, entry.Keyed);
    }

    /// <summary>Which of the person's values appear in appliance.db or its WAL, in each encoding the store could hold them.</summary>
    private static async Task<List<string>> TracesAsync(RunningAppliance appliance)
    {
        var needles = new Dictionary<string, byte[]>();
        foreach (var value in new[] { Phone[3..], Email, Email.Replace("@", "\\u0040"), FirstName, LastName })
        {
            needles[$"{value} (UTF-8)"] = Encoding.UTF8.GetBytes(value);
            needles[$"{value} (UTF-16LE)"] = Encoding.Unicode.GetBytes(value);
            needles[$"{value} (UTF-16BE)"] = Encoding.BigEndianUnicode.GetBytes(value);
        }

        needles[$"{FirstName} (lower case)"] = Encoding.UTF8.GetBytes(FirstName.ToLowerInvariant());
        var traces = new List<string>();
        foreach (var file in new[] { "appliance.db", "appliance.db-wal" })
        {
            var path = Path.Combine(appliance.DataDir, file);
            if (!File.Exists(path))
            {
                continue;
            }

            var bytes = await ReadSharedAsync(path);
            foreach (var (name, needle) in needles)
            {
                if (bytes.AsSpan().IndexOf(needle) >= 0)
                {
                    traces.Add($"{(await TableHoldingAsync(appliance, name))}{file}: {name}");
                }
            }
        }

        return traces;
    }

    /// <summary>Names the table a value is found in, to make a failure say where the erasure missed.</summary>
    private static async Task<string> TableHoldingAsync(RunningAppliance appliance, string needleName)
    {
        var value = needleName[..needleName.IndexOf(' ')];
        foreach (var table in new[] { "admin_notices", "contacts", "events", "idempotency_keys", "sequence_steps", "calls" })
        {
            var found = await appliance.Get<ApplianceStore>().ReadAsync(async c =>
            {
                var columns = (await c.QueryAsync<string>($"SELECT name FROM pragma_table_info('{table}')")).Select(n => $"coalesce(CAST(\"{n}\" AS TEXT), '')");
                return await c.ExecuteScalarAsync<long>(
                    $"SELECT count(*) FROM {table} WHERE instr(lower({string.Join(" || ' ' || ", columns)}), lower(@value)) > 0", new { value });
            });
            if (found > 0)
            {
                return table + " / ";
            }
        }

        return "";
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
