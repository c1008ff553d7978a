using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Core.Store.Postgres;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>A kind of work other nodes hear about: the PostgreSQL channel it goes by and the signal its workers wait on.</summary>
public sealed record WakeupChannel(string Name, WorkSignal Signal);

/// <summary>
/// Wake-ups across the nodes of one PostgreSQL store. A <see cref="WorkSignal.Notify"/> on this node (after a commit)
/// also marks its channel; a sender sends one <c>NOTIFY</c> per marked channel per round trip however many commits
/// marked it meanwhile. One <c>LISTEN</c> connection per node turns the others' notifications into
/// <see cref="WorkSignal.Wake"/>, and reconnects when it is lost, waking every signal then, since a notification may
/// have gone by. Workers keep polling as before: a lost notification only costs a poll interval. SQLite has one node
/// and nothing to tell.
/// </summary>
public sealed class ClusterWakeups(IOptions<StoreOptions> storeOptions, SecretProtector secrets, ClusterNode node, IEnumerable<WakeupChannel> channels,
    TimeProvider time, ILogger<ClusterWakeups> logger) : BackgroundService
{
    private static readonly TimeSpan LongestReconnectWait = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<WakeupChannel> _channels = channels.ToList();
    private readonly SemaphoreSlim _marked = new(0, 1);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the <c>LISTEN</c> connection is up (again, after a loss).</summary>
    public Task Listening => Volatile.Read(ref _listening).Task;

    /// <summary>The server process of the <c>LISTEN</c> connection, 0 when down: what an operator (or a test) can terminate.</summary>
    public int ListenerProcessId { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!storeOptions.Value.IsPostgres || _channels.Count == 0)
        {
            return;
        }

        foreach (var channel in _channels)
        {
            channel.Signal.PublishWith(() => Mark(channel.Name));
        }

        try
        {
            await Task.WhenAll(SendAsync(stoppingToken), ListenAsync(stoppingToken));
        }
        finally
        {
            foreach (var channel in _channels)
            {
                channel.Signal.PublishWith(null);
            }
        }
    }

    private void Mark(string channel)
    {
        lock (_pending)
        {
            if (!_pending.Add(channel) || _pending.Count > 1)
            {
                return;
            }
        }

        try
        {
            _marked.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already due to send; that send takes this channel too.
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        // The sender's connection holds no session state, so it skips the reset (a DISCARD ALL) per notification.
        await using var dataSource = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(ConnectionString(pooling: true)) { NoResetOnClose = true }.ConnectionString).Build();
        while (!stoppingToken.IsCancellationRequested)
        {
            await _marked.WaitAsync(stoppingToken);
            string[] due;
            lock (_pending)
            {
                due = [.. _pending];
                _pending.Clear();
            }

            if (due.Length == 0)
            {
                continue;
            }

            try
            {
                await using var command = dataSource.CreateCommand(
                    $"SELECT {string.Join(", ", due.Select((_, i) => $"pg_notify(@c{i}, @node)"))}");
                for (var i = 0; i < due.Length; i++)
                {
                    command.Parameters.AddWithValue($"c{i}", due[i]);
                }

                command.Parameters.AddWithValue("node", node.Id);
                await command.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Could not tell the other nodes about new work ({Channels}); they find it at their next poll", string.Join(", ", due));
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var byName = _channels.ToDictionary(c => c.Name, c => c.Signal, StringComparer.Ordinal);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString(pooling: false));
                connection.Notification += (_, e) =>
                {
                    if (e.Payload != node.Id && byName.TryGetValue(e.Channel, out var signal))
                    {
                        signal.Wake();
                    }
                };
                await connection.OpenAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand(string.Concat(_channels.Select(c => $"LISTEN \"{c.Name}\";")), connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                ListenerProcessId = connection.ProcessID;
                if (failures > 0)
                {
                    logger.LogInformation("Listening for the other nodes' wake-ups again");
                }

                failures = 0;
                // Whatever was announced while this node was not listening is looked for now.
                foreach (var channel in _channels)
                {
                    channel.Signal.Wake();
                }

                Volatile.Read(ref _listening).TrySetResult();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                ListenerProcessId = 0;
                if (Listening.IsCompleted)
                {
                    Volatile.Write(ref _listening, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                // The first retry is at once (a restarted server, a dropped connection); then backing off to 30 s.
                var wait = failures == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(LongestReconnectWait.TotalSeconds, Math.Pow(2, failures - 1)));
                failures++;
                logger.LogWarning(ex, "The connection listening for the other nodes' wake-ups was lost; reconnecting in {Wait} (polling meanwhile)", wait);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
            }
        }
    }

    private string ConnectionString(bool pooling)
    {
        var builder = PostgresConnection.Builder(storeOptions.Value, secrets);
        builder.Pooling = pooling;
        builder.KeepAlive = 30;
        builder.ApplicationName = "cualify-appliance wake-ups";
        return builder.ConnectionString;
    }
}
