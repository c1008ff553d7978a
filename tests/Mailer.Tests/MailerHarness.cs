using System.Text.Json.Nodes;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Mailer.Tests.Servers;
using Cualify.Appliance.Testing;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.Mailer.Tests;

/// <summary>The real appliance wired to a real SMTP server (and, when asked, a real IMAP server and fake time).</summary>
public sealed class MailerHarness : IAsyncDisposable
{
    private MailerHarness(RunningAppliance app, SmtpTestServer smtp, ImapTestServer? imap, FakeTimeProvider? time)
    {
        App = app;
        Smtp = smtp;
        Imap = imap;
        Time = time;
        Admin = app.AdminClient();
    }

    public RunningAppliance App { get; }

    public SmtpTestServer Smtp { get; }

    public ImapTestServer? Imap { get; }

    public FakeTimeProvider? Time { get; }

    public HttpClient Admin { get; }

    public static async Task<MailerHarness> StartAsync(
        bool imap = false,
        bool fakeTime = false,
        bool publicUrl = false,
        IEnumerable<string>? reject550 = null,
        IReadOnlyDictionary<string, int>? tempfail451 = null,
        IReadOnlyDictionary<string, string?>? settings = null,
        DateTimeOffset? startAt = null)
    {
        var smtp = await SmtpTestServer.StartAsync(reject550, tempfail451);
        ImapTestServer? imapServer = null;
        try
        {
            var all = smtp.MailerSettings();
            if (imap)
            {
                imapServer = await ImapTestServer.StartAsync();
                foreach (var (key, value) in imapServer.MailerSettings())
                {
                    all[key] = value;
                }
            }

            if (publicUrl)
            {
                var port = FreePort.Next();
                all["Api:Urls"] = $"http://127.0.0.1:{port}";
                all["Api:PublicBaseUrl"] = $"http://127.0.0.1:{port}";
            }

            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                all[key] = value;
            }

            var time = fakeTime || startAt is not null ? new FakeTimeProvider(startAt ?? DateTimeOffset.UtcNow) : null;
            var app = await RunningAppliance.StartAsync(settings: all, services: time is null ? null : s => s.AddSingleton<TimeProvider>(time));
            return new MailerHarness(app, smtp, imapServer, time);
        }
        catch
        {
            await smtp.DisposeAsync();
            if (imapServer is not null)
            {
                await imapServer.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Creates a template and returns its id.</summary>
    public async Task<string> CreateTemplateAsync(object template)
    {
        var created = await (await Admin.PostJsonAsync("/api/v1/sequences/templates", template)).ExpectAsync(201);
        return (string)created["data"]!["id"]!;
    }

    public async Task<JsonNode> StartSequenceAsync(object body, int status = 201) =>
        (await (await Admin.PostJsonAsync("/api/v1/sequences/start", body)).ExpectAsync(status))["data"]!;

    public async Task<JsonNode> EnrollmentAsync(string id) =>
        (await (await Admin.GetAsync($"/api/v1/sequences/enrollments/{id}")).ExpectAsync(200))["data"]!;

    public async Task<JsonNode> ContactAsync(string id) =>
        (await (await Admin.GetAsync($"/api/v1/contacts/{id}")).ExpectAsync(200))["data"]!;

    /// <summary>The enrollment as the API shows it, read straight from the store (polling the API would meet its rate limit).</summary>
    public async Task<JsonNode> StoredEnrollmentAsync(string id)
    {
        var orgId = await App.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<string>("SELECT org_id FROM sequence_enrollments WHERE id = @id", new { id }));
        var view = await App.Get<EnrollmentStore>().ViewAsync(orgId!, id);
        return JsonNode.Parse(ApplianceJson.Serialize(view))!;
    }

    /// <summary>Polls the enrollment until <paramref name="done"/> holds (real seconds; the appliance works in the background).</summary>
    public async Task<JsonNode> WaitForEnrollmentAsync(string id, Func<JsonNode, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var enrollment = await StoredEnrollmentAsync(id);
            if (done(enrollment))
            {
                return enrollment;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Enrollment never got {what}: {enrollment.ToJsonString()}\n{Imap?.Log()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The data of every outbox event of this type, oldest first.</summary>
    public async Task<IReadOnlyList<JsonNode>> EventsAsync(string type)
    {
        var rows = await App.Get<ApplianceStore>().ReadAsync(c => c.QueryAsync<string>("SELECT data FROM events WHERE type = @type ORDER BY seq", new { type }));
        return rows.Select(r => JsonNode.Parse(r)!).ToList();
    }

    public Task<long> CountAsync(string sql, object? args = null) =>
        App.Get<ApplianceStore>().ReadAsync(c => c.ExecuteScalarAsync<long>(sql, args));

    /// <summary>
    /// Waits (up to 15 real seconds) for <paramref name="count"/> messages to <paramref name="address"/> after the
    /// test moved fake time, moving it on by 5 s for each half second it waits: the runner arms its timer (at most
    /// the 15 s poll) after its pass, so a clock moved during that pass would leave the timer set from the later
    /// moment and the runner asleep. At most a few fake minutes more change no hourly cap or 10-minute delay.
    /// </summary>
    public async Task<IReadOnlyList<MimeKit.MimeMessage>> WaitForMessagesOnFakeTimeAsync(string address, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var nudgeAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
        while (Smtp.MessagesTo(address) is var messages && messages.Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Expected {count} messages to {address}, got {messages.Count}");
            }

            if (DateTime.UtcNow > nudgeAt)
            {
                Advance(TimeSpan.FromSeconds(5));
                nudgeAt = DateTime.UtcNow + TimeSpan.FromMilliseconds(500);
            }

            await Task.Delay(50);
        }

        return Smtp.MessagesTo(address);
    }

    /// <summary>Moves fake time on; the appliance's timers (runner poll, due steps) fire as they would.</summary>
    public void Advance(TimeSpan by) => (Time ?? throw new InvalidOperationException("Start the harness with fakeTime: true")).Advance(by);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await App.DisposeAsync();
        await Smtp.DisposeAsync();
        if (Imap is not null)
        {
            await Imap.DisposeAsync();
        }
    }
}
