using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Mail;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Testing;
using Npgsql;

namespace Cualify.Appliance.Core.Tests.Cluster;

/// <summary>
/// Nodes on one PostgreSQL database wake each other's workers through <c>NOTIFY</c>/<c>LISTEN</c>. These nodes run no
/// pollers at all, so a signal on node B that fires after node A's commit can only be that wake-up.
/// </summary>
public sealed class ClusterWakeupTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_commit_on_node_A_wakes_node_Bs_outbox_dialer_and_step_workers()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (a, b) = (cluster.All[0], cluster.All[1]);
        await using var running = await StartWakeupsAsync(a, b);
        await a.Get<ApplianceInitializer>().InitializeAsync();
        var orgId = (await a.Get<OrgStore>().FindAsync(OrgStore.DefaultName))!.Id;

        var outbox = b.Get<OutboxSignal>().Next;
        await a.Store.WriteAsync(tx => a.Get<EventOutbox>().AppendAsync(tx, orgId, "contact.created", new { }));
        await outbox.WaitAsync(Bound);

        // The dialer's and the step runner's writers notify these after their commits, as the outbox writer does.
        var dial = b.Get<DialSignal>().Next;
        var mail = b.Get<MailSignal>().Next;
        a.Get<DialSignal>().Notify();
        await dial.WaitAsync(Bound);
        Assert.False(mail.IsCompleted, "a call queued on node A woke node B's step runner too");
        a.Get<MailSignal>().Notify();
        await mail.WaitAsync(Bound);
    }

    [Fact]
    public async Task Node_B_listens_again_after_its_connection_is_killed_and_hears_the_next_commit()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (a, b) = (cluster.All[0], cluster.All[1]);
        await using var running = await StartWakeupsAsync(a, b);
        var wakeups = b.Get<ClusterWakeups>();
        var killed = wakeups.ListenerProcessId;

        await using (var admin = new NpgsqlConnection(a.Setting("Store:ConnectionString")))
        {
            await admin.OpenAsync();
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid)", admin);
            terminate.Parameters.AddWithValue("pid", killed);
            Assert.True((bool)(await terminate.ExecuteScalarAsync())!);
        }

        var deadline = DateTime.UtcNow + Bound;
        while (wakeups.ListenerProcessId is var pid && (pid == 0 || pid == killed))
        {
            Assert.True(DateTime.UtcNow < deadline, "node B did not listen again");
            await Task.Delay(25);
        }

        // Listening again wakes every worker once (a notification may have gone by); the next wake-up is A's.
        await wakeups.Listening.WaitAsync(Bound);
        var outbox = b.Get<OutboxSignal>().Next;
        a.Get<OutboxSignal>().Notify();
        await outbox.WaitAsync(Bound);
    }

    [Fact]
    public async Task A_burst_of_commits_sends_far_fewer_notifications_than_commits()
    {
        await using var cluster = await ClusterNodes.CreateAsync(2);
        var (a, b) = (cluster.All[0], cluster.All[1]);
        await using var running = await StartWakeupsAsync(a, b);
        await using var listener = new NpgsqlConnection(a.Setting("Store:ConnectionString"));
        var heard = 0;
        var pinged = false;
        listener.Notification += (_, e) =>
        {
            if (e.Payload == "ping")
            {
                pinged = true;
            }
            else
            {
                Interlocked.Increment(ref heard);
            }
        };
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN cualify_outbox", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        var woken = b.Get<OutboxSignal>().Next;
        const int commits = 1000;
        for (var i = 0; i < commits; i++)
        {
            a.Get<OutboxSignal>().Notify();
        }

        await woken.WaitAsync(Bound);
        // Notifications arrive in commit order: once this one is in, so is every one that woke node B.
        await using (var ping = new NpgsqlCommand("SELECT pg_notify('cualify_outbox', 'ping')", listener))
        {
            await ping.ExecuteNonQueryAsync();
        }

        var deadline = DateTime.UtcNow + Bound;
        while (!pinged)
        {
            Assert.True(DateTime.UtcNow < deadline, "the ping never came back");
            await listener.WaitAsync(TimeSpan.FromSeconds(1));
        }

        Assert.InRange(Volatile.Read(ref heard), 1, commits / 2);
    }

    private static async Task<RunningWakeups> StartWakeupsAsync(params CoreHarness[] nodes)
    {
        var running = new RunningWakeups(nodes.Select(n => n.Get<ClusterWakeups>()).ToList());
        foreach (var wakeups in running.All)
        {
            await wakeups.StartAsync(CancellationToken.None);
        }

        foreach (var wakeups in running.All)
        {
            await wakeups.Listening.WaitAsync(Bound);
        }

        return running;
    }

    private sealed record RunningWakeups(IReadOnlyList<ClusterWakeups> All) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var wakeups in All)
            {
                await wakeups.StopAsync(CancellationToken.None);
            }
        }
    }
}
