using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Core.Cluster;

/// <summary>
/// A rate that every node of one store shares, as one row of <c>rate_cells</c> kept by the generic cell rate
/// algorithm: the row holds when the next request is due at the steady rate (its theoretical arrival time), and a
/// request is let through while that time is at most the burst ahead of now. Taken under a transaction-scoped
/// advisory lock, so N nodes together stay within the rate.
/// </summary>
public sealed class SharedRate(ApplianceStore store)
{
    /// <summary>
    /// Takes one request of <paramref name="name"/> at <paramref name="perSecond"/> with a burst of <paramref name="burst"/>;
    /// returns zero when taken, else how long to wait before asking again.
    /// </summary>
    public Task<TimeSpan> TryTakeAsync(string name, double perSecond, double burst, CancellationToken cancellationToken = default) =>
        store.WriteAsync(async tx =>
        {
            await tx.LockAsync($"rate:{name}");
            var interval = TimeSpan.FromSeconds(1 / perSecond);
            var tolerance = interval * Math.Max(0, burst - 1);
            var due = await tx.ExecuteScalarAsync<DateTimeOffset?>("SELECT tat FROM rate_cells WHERE name = @name", new { name }) is { } stored && stored > tx.Now
                ? stored
                : tx.Now;
            if (due - tx.Now > tolerance)
            {
                return due - tolerance - tx.Now;
            }

            await tx.ExecuteAsync(
                "INSERT INTO rate_cells (name, tat) VALUES (@name, @next) ON CONFLICT (name) DO UPDATE SET tat = excluded.tat",
                new { name, next = due + interval });
            return TimeSpan.Zero;
        }, cancellationToken);
}
