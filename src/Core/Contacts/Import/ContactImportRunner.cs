using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Core.Contacts.Import;

/// <summary>Runs uploaded imports one after another; at start-up it first resumes those a stop left running.</summary>
public sealed class ContactImportRunner(ContactImports imports, ILogger<ContactImportRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var id in await imports.UnfinishedAsync(stoppingToken))
        {
            await RunOneAsync(id, stoppingToken);
        }

        await foreach (var id in imports.Queue.ReadAllAsync(stoppingToken))
        {
            await RunOneAsync(id, stoppingToken);
        }
    }

    private async Task RunOneAsync(string id, CancellationToken stoppingToken)
    {
        try
        {
            var done = await imports.RunAsync(id, cancellationToken: stoppingToken);
            logger.LogInformation("Contact import {ImportId} {Status}: {Rows} rows, {Created} created, {Updated} updated, {Skipped} skipped",
                id, done.Status, done.Rows, done.Created, done.Updated, done.Skipped);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Contact import {ImportId} stopped; it resumes at the next start", id);
        }
    }
}
