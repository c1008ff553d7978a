using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Credits;

/// <summary>How fast an org spends: what its settled calls charged over a recent window, and when the balance runs out at that pace.</summary>
public sealed record BurnRate(long SpentPaise, TimeSpan Window)
{
    public double PaisePerHour => Window <= TimeSpan.Zero ? 0 : SpentPaise / Window.TotalHours;

    /// <summary>How long <paramref name="availablePaise"/> lasts at this pace; null when nothing is being spent.</summary>
    public TimeSpan? RunOutIn(long availablePaise) =>
        PaisePerHour <= 0 ? null : TimeSpan.FromHours(Math.Max(0, availablePaise) / PaisePerHour);
}

public sealed class CreditBurn(ApplianceStore store, TimeProvider time)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    public Task<BurnRate> ReadAsync(string orgId, TimeSpan? window = null, CancellationToken cancellationToken = default)
    {
        var over = window ?? DefaultWindow;
        var since = time.GetUtcNow() - over;
        return store.ReadAsync(async connection =>
        {
            // A settlement's amount is minus what the call was charged.
            var spent = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                "SELECT -sum(amount_paise) FROM credit_ledger WHERE org_id = @orgId AND kind = 'settlement' AND created_at > @since",
                new { orgId, since }, cancellationToken: cancellationToken));
            return new BurnRate(Math.Max(0, spent ?? 0), over);
        }, cancellationToken);
    }
}
