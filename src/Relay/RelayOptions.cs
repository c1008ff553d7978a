using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Relay;

/// <summary>Settings of the <c>Relay</c> section.</summary>
public sealed class RelayOptions : IValidatableObject
{
    public const string Section = "Relay";

    /// <summary>Hosts that may receive webhooks over plain http besides loopback (e.g. a CRM on the LAN).</summary>
    public string[] AllowHttpHosts { get; set; } = [];

    /// <summary>How long one delivery attempt may take before it counts as failed (the contract says 10 s).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00", ErrorMessage = "Relay:RequestTimeout must be between 00:00:01 and 00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests in flight to one endpoint at most, so a slow receiver only ever holds its own slots.</summary>
    [Range(1, 256, ErrorMessage = "Relay:MaxConcurrencyPerEndpoint must be from 1 to 256")]
    public int MaxConcurrencyPerEndpoint { get; set; } = 16;

    /// <summary>Requests in flight across all endpoints at most.</summary>
    [Range(1, 4096, ErrorMessage = "Relay:MaxConcurrentDeliveries must be from 1 to 4096")]
    public int MaxConcurrentDeliveries { get; set; } = 256;

    /// <summary>How often the dispatcher looks for work when nothing wakes it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Relay:PollInterval must be between 00:00:00.100 and 00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Outbox events fanned out per transaction.</summary>
    [Range(1, 10000, ErrorMessage = "Relay:FanOutBatchSize must be from 1 to 10000")]
    public int FanOutBatchSize { get; set; } = 500;

    /// <summary>How often an idle event stream (<c>GET /api/v1/events</c>) sends a heartbeat comment.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Relay:StreamHeartbeat must be between 00:00:01 and 00:05:00")]
    public TimeSpan StreamHeartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often an open event stream checks its key again, busy or idle, so a revoked or expired key's stream
    /// ends within this time (a second at most, like any other request of a revoked key).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:01", ErrorMessage = "Relay:StreamKeyRecheck must be between 00:00:00.050 and 00:00:01")]
    public TimeSpan StreamKeyRecheck { get; set; } = TimeSpan.FromMilliseconds(500);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxConcurrencyPerEndpoint > MaxConcurrentDeliveries)
        {
            yield return new ValidationResult(
                $"Relay:MaxConcurrencyPerEndpoint ({MaxConcurrencyPerEndpoint}) must not exceed Relay:MaxConcurrentDeliveries ({MaxConcurrentDeliveries})",
                [nameof(MaxConcurrencyPerEndpoint)]);
        }

        foreach (var host in AllowHttpHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
            {
                yield return new ValidationResult($"Relay:AllowHttpHosts has '{host}', which is not a host name or address", [nameof(AllowHttpHosts)]);
            }
        }
    }
}
