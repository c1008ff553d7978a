using System.ComponentModel.DataAnnotations;

namespace Cualify.Appliance.Relay.Connectors;

/// <summary>Settings of the <c>Connectors</c> section.</summary>
public sealed class ConnectorsOptions
{
    public const string Section = "Connectors";

    /// <summary>How long one CRM request may take before its outcome counts as unknown.</summary>
    [Range(typeof(TimeSpan), "00:00:00.200", "00:01:00", ErrorMessage = "Connectors:RequestTimeout must be between 00:00:00.200 and 00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the dispatcher looks for work when nothing wakes it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "Connectors:PollInterval must be between 00:00:00.100 and 00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The least wait before the attempt after one with an unknown outcome (or a crash mid-attempt), whose lookup
    /// must find a record the CRM wrote: HubSpot's search index trails its writes by seconds, sometimes more.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Connectors:LookupSettle must be between 00:00:00 and 01:00:00")]
    public TimeSpan LookupSettle { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Records written per batch request at most (HubSpot's batch limit is 100).</summary>
    [Range(1, 100, ErrorMessage = "Connectors:BatchSize must be from 1 to 100")]
    public int BatchSize { get; set; } = 100;
}
