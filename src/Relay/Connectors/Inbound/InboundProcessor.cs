using System.Text;
using System.Text.Json;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Relay.Connectors.Inbound;

/// <summary>
/// Turns stored inbound requests into <c>sequences/start</c>, oldest first, and writes what each started (or why
/// not) into the inbound log. A crash between the start and the log's update only means the request is taken
/// again: its idempotency key returns the enrollment it already started.
/// </summary>
internal sealed class InboundProcessor(
    ApplianceStore store,
    InboundSignal signal,
    SequenceStarter starter,
    IOptions<ConnectorsOptions> options,
    TimeProvider time,
    ILogger<InboundProcessor> logger) : BackgroundService
{
    private sealed class PendingRow
    {
        public string Id { get; init; } = "";

        public string ConnectorId { get; init; } = "";

        public string? Body { get; init; }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var woken = signal.Next;
                var busy = false;
                try
                {
                    busy = await ProcessSomeAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    logger.LogError(ex, "Processing inbound CRM requests failed; retrying in {Wait}", options.Value.PollInterval);
                }

                if (!busy)
                {
                    await WorkSignal.WaitAsync(woken, options.Value.PollInterval, time, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <returns>Whether a full batch was taken (more may wait).</returns>
    private async Task<bool> ProcessSomeAsync(CancellationToken cancellationToken)
    {
        const int batch = 50;
        var rows = await store.ReadAsync(async connection => (await Dapper.SqlMapper.QueryAsync<PendingRow>(connection, new Dapper.CommandDefinition(
            "SELECT id, connector_id, body FROM connector_inbound WHERE status = 'pending' ORDER BY received_at, id LIMIT @batch", new { batch }, cancellationToken: cancellationToken))).ToList(), cancellationToken);
        foreach (var row in rows)
        {
            var (enrollmentId, error) = await StartAsync(row, cancellationToken);
            await store.WriteAsync(tx => tx.ExecuteAsync("""
                UPDATE connector_inbound SET status = @status, enrollment_id = @enrollmentId, error = @error, processed_at = @Now WHERE id = @Id AND status = 'pending'
                """, new { status = error is null ? "processed" : "failed", enrollmentId, error, row.Id, tx.Now }), cancellationToken);
        }

        return rows.Count == batch;
    }

    private async Task<(string? EnrollmentId, string? Error)> StartAsync(PendingRow row, CancellationToken cancellationToken)
    {
        var connector = await store.ReadAsync(connection => Dapper.SqlMapper.QuerySingleOrDefaultAsync<Connector>(connection, new Dapper.CommandDefinition(
            $"SELECT {Connector.Columns} FROM connectors WHERE id = @ConnectorId", new { row.ConnectorId }, cancellationToken: cancellationToken)), cancellationToken);
        if (connector is null || connector.DeletedAt is not null)
        {
            return (null, "the connector was deleted");
        }

        if (connector.ParsedOptions.InboundTemplateId is null)
        {
            return (null, "the connector has no options.inbound_template_id; set one to start sequences from the CRM");
        }

        var body = Encoding.UTF8.GetBytes(row.Body ?? "");
        try
        {
            var payload = InboundMapping.Parse(body, body.Length > 0 && body[0] is (byte)'{' or (byte)'[' ? "application/json" : "application/x-www-form-urlencoded");
            if (payload is null)
            {
                return (null, "the body is empty");
            }

            var mapped = InboundMapping.Map(connector, body, payload);
            var started = await starter.StartAsync(connector.OrgId, mapped.Input, cancellationToken);
            return (started.EnrollmentId, null);
        }
        catch (JsonException)
        {
            return (null, "the body is not valid JSON or form data");
        }
        catch (ApplianceException ex)
        {
            var fields = ex.Details?.GetValueOrDefault("fieldErrors") is { } details ? $" ({JsonSerializer.Serialize(details)})" : "";
            return (null, ex.Message + fields);
        }
    }
}
