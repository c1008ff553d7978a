using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Npgsql;

namespace Cualify.Appliance.Relay.Tests.Cluster;

/// <summary>
/// The open transaction this test holds keeps back every outbox reader on the PostgreSQL server, in every database
/// (the horizon is the server's oldest running transaction), so it runs alone rather than stall the other tests.
/// </summary>
[CollectionDefinition(nameof(OutOfOrderCommitTests), DisableParallelization = true)]
public sealed class OutOfOrderCommitCollection;

/// <summary>
/// On PostgreSQL a transaction can take a lower outbox <c>seq</c> than another and commit after it. Neither the
/// webhook fan-out nor the event stream may pass over it for good.
/// </summary>
[Collection(nameof(OutOfOrderCommitTests))]
public sealed class OutOfOrderCommitTests
{
    [Fact]
    public async Task An_event_whose_transaction_commits_after_a_later_seq_is_still_fanned_out_and_streamed()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var appliance = await RelayHarness.StartAsync(settings: database.Settings());
        using var client = appliance.AdminClient();
        client.Timeout = Timeout.InfiniteTimeSpan;
        var orgId = await appliance.OrgIdAsync();
        var webhook = await client.CreateWebhookAsync(receiver.Url());
        var (stream, sse) = await SseReader.OpenAsync(client, "");

        // "Late" takes its transaction id first, "early" takes the lower seq; "late" inserts and commits first.
        await using var late = new NpgsqlConnection(database.ConnectionString);
        await using var early = new NpgsqlConnection(database.ConnectionString);
        await late.OpenAsync();
        await early.OpenAsync();
        await using var lateTx = await late.BeginTransactionAsync();
        await ExecuteAsync(late, lateTx, "SELECT pg_current_xact_id()");
        await using var earlyTx = await early.BeginTransactionAsync();
        var earlySeq = await InsertEventAsync(early, earlyTx, "evt_early", orgId);
        var lateSeq = await InsertEventAsync(late, lateTx, "evt_late", orgId);
        Assert.True(earlySeq < lateSeq, $"seq {earlySeq} < {lateSeq}");
        await lateTx.CommitAsync();
        appliance.Get<OutboxSignal>().Notify();

        // The relay and the stream take the committed one while the other is still open...
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.EventId == "evt_late"), "evt_late is delivered");
        var first = (await sse.EventsAsync(1, TimeSpan.FromSeconds(30))).Single();
        Assert.Equal("evt_late", first.Id);

        // ...and the one with the lower seq once it commits, before an event written after it.
        await earlyTx.CommitAsync();
        appliance.Get<OutboxSignal>().Notify();
        await client.UpsertContactAsync(1);
        var after = (await appliance.EventsAsync(orgId, "contact.created")).Single(e => e.Id is not ("evt_early" or "evt_late"));
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.EventId == after.Id), "the event written afterwards is delivered");
        var streamed = new List<string?>();
        while (!streamed.Contains(after.Id))
        {
            streamed.Add((await sse.EventsAsync(1, TimeSpan.FromSeconds(30))).Single().Id);
        }

        var fannedOut = (await appliance.DeliveryRowsAsync(webhook.Id)).Select(d => d.EventId).ToList();
        Assert.True(fannedOut.Contains("evt_early") && streamed.SequenceEqual(["evt_early", after.Id]),
            $"fanned out: {string.Join(", ", fannedOut)}; streamed after evt_late: {string.Join(", ", streamed)}");
        await Eventually.TrueAsync(() => receiver.Received.Any(r => r.EventId == "evt_early"), "evt_early is delivered");
        stream.Dispose();
    }

    private static async Task<long> InsertEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string id, string orgId)
    {
        await using var insert = new NpgsqlCommand("""
            INSERT INTO events (id, org_id, type, data, created_at) VALUES (@id, @org, 'contact.created', '{}', @at)
            RETURNING seq
            """, connection, transaction);
        insert.Parameters.AddWithValue("id", id);
        insert.Parameters.AddWithValue("org", orgId);
        insert.Parameters.AddWithValue("at", UtcTimestamp.Format(DateTimeOffset.UtcNow));
        return (long)(await insert.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }
}
