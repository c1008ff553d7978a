using System.Xml.Linq;
using Cualify.Appliance.Core.Store;
using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.OperatorConsole.Sessions;

/// <summary>
/// On PostgreSQL, the console's cookie-protection key ring lives in the store (<c>console_keys</c>), so every node
/// reads the same keys and a session or form signed at one node is accepted at any other behind a load balancer.
/// The keys' secret parts are sealed with the install's secret key (<see cref="SealedXmlEncryptor"/>). SQLite's single
/// node keeps its ring in the data folder.
/// </summary>
public sealed class StoreKeyRing(ApplianceStore store) : IXmlRepository
{
    /// <summary>Data protection's own default lifetime; each node makes the next key two days before it runs out.</summary>
    public static readonly TimeSpan KeyLifetime = TimeSpan.FromDays(90);

    private readonly AsyncLocal<StoreTransaction?> _creating = new();

    public IReadOnlyCollection<XElement> GetAllElements() =>
        store.ReadAsync(connection => connection.QueryAsync<string>("SELECT xml FROM console_keys ORDER BY created_at, name"))
            .GetAwaiter().GetResult()
            .Select(xml => XElement.Parse(xml))
            .ToList();

    public void StoreElement(XElement element, string friendlyName)
    {
        const string Insert = "INSERT INTO console_keys (name, xml, created_at) VALUES (@friendlyName, @xml, @Now) ON CONFLICT (name) DO NOTHING";
        var xml = element.ToString(SaveOptions.DisableFormatting);
        if (_creating.Value is { } tx)
        {
            tx.ExecuteAsync(Insert, new { friendlyName, xml, tx.Now }).GetAwaiter().GetResult();
            return;
        }

        store.WriteAsync(write => write.ExecuteAsync(Insert, new { friendlyName, xml, write.Now })).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Creates the ring's first key unless there is one, one node at a time: nodes starting together on a fresh store
    /// would otherwise each make their own and refuse each other's cookies until their rings next refresh.
    /// </summary>
    public Task EnsureKeyAsync(IKeyManager keys, TimeProvider time, CancellationToken cancellationToken) =>
        store.WriteAsync(async tx =>
        {
            await tx.LockAsync("console-keys");
            if (await tx.ExecuteScalarAsync<long>("SELECT count(*) FROM console_keys") > 0)
            {
                return;
            }

            _creating.Value = tx;
            try
            {
                var now = time.GetUtcNow();
                keys.CreateNewKey(now, now + KeyLifetime);
            }
            finally
            {
                _creating.Value = null;
            }
        }, cancellationToken);

    /// <summary>On PostgreSQL, makes sure the shared ring has a key before the node serves (see <see cref="EnsureKeyAsync"/>).</summary>
    public static Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<ApplianceStore>().IsPostgres
            ? services.GetRequiredService<StoreKeyRing>().EnsureKeyAsync(services.GetRequiredService<IKeyManager>(), services.GetRequiredService<TimeProvider>(), cancellationToken)
            : Task.CompletedTask;
}
