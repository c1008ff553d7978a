namespace Cualify.Appliance.Mailer.Runner;

/// <summary>When to try a message again after a transient failure: the configured waits, ±10 % so retries spread out.</summary>
public static class MailRetrySchedule
{
    /// <returns>The moment of the next try after attempt number <paramref name="attempt"/> (1-based), or null to give up.</returns>
    public static DateTimeOffset? Next(IReadOnlyList<TimeSpan> delays, int attempt, DateTimeOffset now)
    {
        if (attempt < 1 || attempt > delays.Count)
        {
            return null;
        }

        var delay = delays[attempt - 1];
        var jitter = delay.TotalMilliseconds * 0.1 * (Random.Shared.NextDouble() * 2 - 1);
        return now + delay + TimeSpan.FromMilliseconds(jitter);
    }
}
