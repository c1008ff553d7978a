using System.Net.Http.Headers;
using System.Threading.Channels;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Cualify.Appliance.LocalApi.Tests;

public sealed class EventStreamRevocationTests
{
    private static readonly TimeSpan Ceiling = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_revoked_keys_stream_ends_within_a_second_even_while_events_keep_arriving()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 8, 0, 0, TimeSpan.Zero));
        // Heartbeats are five minutes apart here, so only the key recheck can end the stream.
        await using var appliance = await RunningAppliance.StartAsync(
            settings: new Dictionary<string, string?> { ["Relay:StreamHeartbeat"] = "00:05:00" },
            services: s => s.AddSingleton<TimeProvider>(time));
        await appliance.Get<ApplianceStore>().WriteAsync(tx => tx.ExecuteAsync("UPDATE orgs SET rate_limit_per_minute = 1000000"));
        using var admin = appliance.AdminClient();
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "stream reader", scope = "read" })).ExpectAsync(201);
        using var reader = appliance.Client((string)created["key"]!);
        reader.Timeout = Timeout.InfiniteTimeSpan;

        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events?types=contact.created");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await reader.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        var eventIds = Channel.CreateUnbounded<string>();
        var reading = ReadEventIdsAsync(await response.Content.ReadAsStreamAsync(), eventIds.Writer);

        await UpsertAsync(admin, 0);
        Assert.NotNull((await NextOrEndAsync(eventIds.Reader, time)).Id);

        await (await admin.DeleteAsync($"/api/v1/api-keys/{created["data"]!["id"]}")).ExpectAsync(200);
        var sinceRevocation = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(250);
        for (var n = 1; ; n++)
        {
            Assert.True(sinceRevocation <= TimeSpan.FromSeconds(1), $"the stream still carried events {sinceRevocation} after its key was revoked");
            time.Advance(step);
            sinceRevocation += step;
            await UpsertAsync(admin, n);
            var (next, waited) = await NextOrEndAsync(eventIds.Reader, time);
            sinceRevocation += waited;
            if (next is null)
            {
                break;
            }
        }

        await reading.WaitAsync(Ceiling);
    }

    private static async Task UpsertAsync(HttpClient client, int n) =>
        await (await client.PostJsonAsync("/api/v1/contacts", new { phone_e164 = $"+9198123{n:D5}", name = $"Contact {n}", consent_capture = "manual" }))
            .ExpectAsync(200);

    /// <summary>
    /// The next event id the stream carried, or null once the server ended it, and how far the clock was moved meanwhile.
    /// On PostgreSQL an event may wait on a transaction still running anywhere on the server (another test's database
    /// too); the stream then looks again after <see cref="OutboxOrder.HeldBackRecheck"/> of the fake clock, so the wait
    /// moves the clock on by that much each time nothing arrived for a while.
    /// </summary>
    private static async Task<(string? Id, TimeSpan Waited)> NextOrEndAsync(ChannelReader<string> ids, FakeTimeProvider time)
    {
        using var ceiling = new CancellationTokenSource(Ceiling);
        var waited = TimeSpan.Zero;
        var ready = ids.WaitToReadAsync(ceiling.Token).AsTask();
        while (await Task.WhenAny(ready, Task.Delay(TimeSpan.FromMilliseconds(200))) != ready)
        {
            time.Advance(OutboxOrder.HeldBackRecheck);
            waited += OutboxOrder.HeldBackRecheck;
        }

        return (await ready && ids.TryRead(out var id) ? id : null, waited);
    }

    private static async Task ReadEventIdsAsync(Stream body, ChannelWriter<string> ids)
    {
        using var lines = new StreamReader(body);
        while (await lines.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                await ids.WriteAsync(line[4..]);
            }
        }

        ids.Complete();
    }
}
