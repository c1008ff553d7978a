using Cualify.Appliance.Core.Calls;
using Cualify.Appliance.Core.Campaigns;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Scheduling;

/// <summary>
/// The campaign hopper: keeps every running campaign's next calls in the dial queue a little ahead of need
/// (<see cref="CampaignFeed"/>) and enrolls sequence campaigns' contacts at their pace
/// (<see cref="CampaignEnrollments"/>). It looks again when a campaign starts or resumes, when a call ends (a slot
/// frees), at the campaign's next pace slot or retry, and at the latest every <c>Dialer:PollInterval</c>. The
/// queued calls themselves are dialed by <see cref="DialScheduler"/> under the same rules as any call. With several
/// nodes on one store only the leader (<see cref="LeaderLease"/>) feeds: campaigns' pace and members are read, then written.
/// </summary>
public sealed class CampaignHopper(
    CampaignFeed feed,
    CampaignEnrollments enrollments,
    CampaignSignal campaignSignal,
    DialSignal dialSignal,
    LeaderLease leader,
    IOptions<DialerOptions> options,
    TimeProvider time,
    ILogger<CampaignHopper> logger) : BackgroundService
{
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(50);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leader.RunWhileLeaderAsync(FeedAsync, stoppingToken);

    private async Task FeedAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = Task.WhenAny(campaignSignal.Next, dialSignal.Next);
            var until = time.GetUtcNow() + options.Value.PollInterval;
            try
            {
                foreach (var (id, isSequence) in await feed.RunningAsync(stoppingToken))
                {
                    var wake = isSequence ? await enrollments.FeedAsync(id, stoppingToken) : await feed.FeedCallsAsync(id, stoppingToken);
                    until = wake is { } at && at < until ? at : until;
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "A campaign hopper round failed; retrying");
            }

            var soonest = time.GetUtcNow() + ShortestWait;
            await WorkSignal.WaitUntilAsync(next, until < soonest ? soonest : until, time, stoppingToken);
        }
    }
}
