using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Relay.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task A_slow_receiver_holds_only_its_own_slots_and_never_delays_the_others()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var release = new TaskCompletionSource();
        receiver.Respond = r => r.Path == "/slow" ? new Reply(200, HoldUntil: release.Task) : Reply.Ok;
        await using var appliance = await RelayHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Relay:MaxConcurrencyPerEndpoint"] = "3",
            ["Relay:RequestTimeout"] = "00:01:00",
        });
        using var client = appliance.AdminClient();
        await client.CreateWebhookAsync(receiver.Url("/slow"), "contact.created");
        await client.CreateWebhookAsync(receiver.Url("/fast"), "contact.created");

        for (var i = 0; i < 30; i++)
        {
            await client.UpsertContactAsync(i);
        }

        await Eventually.TrueAsync(() => receiver.Received.Count(r => r.Path == "/fast") == 30, "the fast receiver gets all 30 events");
        Assert.Equal(3, receiver.Received.Count(r => r.Path == "/slow"));
        Assert.Equal(3, receiver.InFlight);

        release.SetResult();
        await Eventually.TrueAsync(() => receiver.Received.Count(r => r.Path == "/slow") == 30, "the slow receiver gets all 30 once it answers");
        // Each endpoint has its own 3 slots: the fast one's events may come due together (one fan-out batch) and go at once.
        Assert.Equal(3, receiver.MaxInFlightAt("/slow"));
        Assert.InRange(receiver.MaxInFlightAt("/fast"), 1, 3);
        Assert.True(receiver.MaxInFlight <= 3 + 3, $"at most both endpoints' slots were open at once, saw {receiver.MaxInFlight}");
        Assert.Equal(30, receiver.Received.Where(r => r.Path == "/slow").Select(r => r.EventId).Distinct().Count());
    }
}
