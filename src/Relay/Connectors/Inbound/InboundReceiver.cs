using System.Text;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Paging;
using Cualify.Appliance.Core.Store;

namespace Cualify.Appliance.Relay.Connectors.Inbound;

/// <summary>A request to <c>/connectors/{id}/inbound</c> as the endpoint read it.</summary>
/// <param name="Url">The URL the CRM called: <c>Api:PublicBaseUrl</c> plus path and query when set, else the request's own.</param>
public sealed record InboundRequest(string Method, string Url, byte[] Body, string? ContentType, string? Signature, string? Timestamp, string? Secret);

/// <summary>One row of a connector's inbound log.</summary>
public sealed class InboundEntry
{
    public string Id { get; init; } = "";

    public string ConnectorId { get; init; } = "";

    public DateTimeOffset ReceivedAt { get; init; }

    public string Verdict { get; init; } = "";

    public string Status { get; init; } = "";

    public string? EnrollmentId { get; init; }

    public string? Error { get; init; }

    public DateTimeOffset? ProcessedAt { get; init; }
}

/// <summary>
/// Takes inbound CRM requests: checks the HubSpot v3 signature (when the connector has an <c>app_secret</c>) or the
/// shared-secret header, stores the accepted request before it is answered and wakes the processor; a refused one
/// is logged without its body and answered <c>401</c>.
/// </summary>
public sealed class InboundReceiver(ApplianceStore store, ConnectorStore connectors, InboundSignal signal, ConnectorCounters counters, TimeProvider time)
{
    public const int MaxBodyBytes = 256 * 1024;

    public async Task<string> ReceiveAsync(string connectorId, InboundRequest request, CancellationToken cancellationToken)
    {
        var connector = (Ids.IsUuid(connectorId) ? await connectors.FindAsync(connectorId, cancellationToken) : null)
            ?? throw new ApplianceException(ErrorKind.Unauthorized, "Unknown connector or missing signature");
        var refusal = Verify(connector, request);
        var accepted = refusal is null && connector.Status != ConnectorStatus.Disabled;
        var id = await store.WriteAsync(async tx =>
        {
            var entryId = Ids.New(tx.Now);
            await tx.ExecuteAsync("""
                INSERT INTO connector_inbound (id, connector_id, org_id, received_at, verdict, status, body, error)
                VALUES (@entryId, @ConnectorId, @OrgId, @Now, @verdict, @status, @body, @error)
                """, new
            {
                entryId,
                ConnectorId = connector.Id,
                connector.OrgId,
                tx.Now,
                verdict = accepted ? "accepted" : "rejected",
                status = accepted ? "pending" : "failed",
                body = accepted ? Encoding.UTF8.GetString(request.Body) : null,
                error = accepted ? null : refusal ?? "the connector is disabled",
            });
            return entryId;
        }, cancellationToken);
        if (!accepted)
        {
            counters.InboundRejected(connector.Id);
            throw new ApplianceException(ErrorKind.Unauthorized, refusal is null ? "The connector is disabled" : $"Inbound request refused: {refusal}");
        }

        signal.Notify();
        return id;
    }

    public Task<Page<InboundEntry>> ListAsync(string connectorId, PageRequest page, CancellationToken cancellationToken) =>
        new ListQuery("connector_inbound", "id, connector_id, received_at, verdict, status, enrollment_id, error, processed_at")
            .Where("connector_id = @connectorId")
            .ReadAsync<InboundEntry>(store, new { connectorId }, page, cancellationToken);

    private string? Verify(Connector connector, InboundRequest request)
    {
        if (request.Secret is not null)
        {
            return InboundSignature.SecretMatches(connectors.InboundSecretOf(connector), request.Secret) ? null : $"{InboundSignature.SecretHeader} does not match";
        }

        if (request.Signature is not null)
        {
            var appSecret = connectors.CredentialsOf(connector).AppSecret;
            return appSecret is null
                ? "the request is signed but the connector has no credentials.app_secret to check it with"
                : InboundSignature.CheckHubSpot(appSecret, request.Method, request.Url, request.Body, request.Timestamp, request.Signature, time.GetUtcNow());
        }

        return $"neither {InboundSignature.SignatureHeader} nor {InboundSignature.SecretHeader} was sent";
    }
}
