using Cualify.Appliance.Core.Metrics;
using Cualify.Appliance.Core.Store;
using Dapper;

namespace Cualify.Appliance.Core.Credits;

/// <summary>Credit balance and reservations per org, read from the store at scrape time.</summary>
public sealed class CreditMetrics(ApplianceStore store) : IMetricsSource
{
    public async Task CollectAsync(ApplianceMetrics metrics, CancellationToken cancellationToken)
    {
        var rows = await store.ReadAsync(connection => connection.QueryAsync<(string Name, long Balance, long Reserved)>(
            new CommandDefinition("SELECT name, balance_paise, reserved_paise FROM orgs", cancellationToken: cancellationToken)), cancellationToken);
        var balance = metrics.ScrapeGauge("cualify_credits_balance_paise", "Credit balance of each org, in paise", "org");
        var reserved = metrics.ScrapeGauge("cualify_credits_reserved_paise", "Credits held for live calls, per org, in paise", "org");
        foreach (var row in rows)
        {
            balance.Set(row.Balance, row.Name);
            reserved.Set(row.Reserved, row.Name);
        }
    }
}
